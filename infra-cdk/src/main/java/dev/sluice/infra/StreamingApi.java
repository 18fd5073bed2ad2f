package dev.sluice.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.JsonWithStandardFieldProps;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.Resource;
import software.amazon.awscdk.services.apigateway.ResponseTransferMode;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.lambda.FunctionUrl;
import software.amazon.awscdk.services.lambda.FunctionUrlAuthType;
import software.amazon.awscdk.services.lambda.FunctionUrlOptions;
import software.amazon.awscdk.services.lambda.InvokeMode;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The public front door: a regional REST API whose {@code /v1/{proxy+}} is a Lambda proxy integration in response
 * transfer mode {@code STREAM} on the router's {@code live} alias (API Gateway calls
 * {@code InvokeWithResponseStream}, so tokens reach the client as the provider sends them). Optionally a Lambda
 * Function URL in {@code RESPONSE_STREAM} mode on the same alias.
 */
public final class StreamingApi extends Construct {
    private final RestApi api;
    private final FunctionUrl functionUrl;

    public StreamingApi(Construct scope, String id, SluiceSettings settings, RouterFunction router) {
        super(scope, id);

        LogGroup accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        api = RestApi.Builder.create(this, "RestApi")
                .restApiName("sluice-" + settings.stage())
                .description("Sluice " + settings.stage() + ": OpenAI-compatible AI gateway (streaming)")
                // Regional: a streamed response may idle 5 minutes between chunks there, 30 s when edge-optimized.
                .endpointTypes(List.of(EndpointType.REGIONAL))
                // Access logging needs the account-level API Gateway logging role; set apiCloudWatchRole=false
                // when the account already has one.
                .cloudWatchRole(settings.apiCloudWatchRole())
                .deployOptions(StageOptions.builder()
                        .stageName(settings.stage())
                        .throttlingRateLimit(settings.apiThrottleRateLimit())
                        .throttlingBurstLimit(settings.apiThrottleBurstLimit())
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.jsonWithStandardFields(JsonWithStandardFieldProps.builder()
                                .caller(false)
                                .user(false)
                                .ip(true)
                                .httpMethod(true)
                                .protocol(true)
                                .requestTime(true)
                                .resourcePath(true)
                                .responseLength(true)
                                .status(true)
                                .build()))
                        .build())
                .build();

        // The stack's own ApiUrl output (the OpenAI base URL, .../v1) replaces the stage URL the construct adds.
        api.getNode().tryRemoveChild("Endpoint");

        LambdaIntegration integration = LambdaIntegration.Builder.create(router.alias())
                .proxy(true)
                .responseTransferMode(ResponseTransferMode.STREAM)
                // Without this API Gateway gives up after 29 s; in STREAM mode it may wait up to 15 minutes.
                .timeout(Duration.minutes(settings.routerTimeoutMinutes()))
                .allowTestInvoke(false)
                .build();
        Resource v1 = api.getRoot().addResource("v1");
        v1.addResource("{proxy+}").addMethod("ANY", integration);

        if (settings.functionUrl()) {
            functionUrl = router.alias()
                    .addFunctionUrl(FunctionUrlOptions.builder()
                            .authType(FunctionUrlAuthType.valueOf(settings.functionUrlAuth()))
                            .invokeMode(InvokeMode.RESPONSE_STREAM)
                            .build());
        } else {
            functionUrl = null;
        }
    }

    public RestApi api() {
        return api;
    }

    /** The OpenAI base URL: {@code https://<id>.execute-api.<region>.amazonaws.com/<stage>/v1}. */
    public String baseUrl() {
        return api.urlForPath("/v1");
    }

    /** Null unless context {@code functionUrl=true}. */
    public FunctionUrl functionUrl() {
        return functionUrl;
    }
}
