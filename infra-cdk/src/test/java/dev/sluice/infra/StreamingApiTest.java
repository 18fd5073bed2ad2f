package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class StreamingApiTest {

    private static String routerAlias(Template template) {
        return Templates.logicalId(
                template,
                "AWS::Lambda::Alias",
                "FunctionName",
                Templates.ref(Templates.functionId(template, "run.sh")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> integration(Template template) {
        String method = Templates.only(template, "AWS::ApiGateway::Method");
        return (Map<String, Object>)
                Templates.properties(Templates.resource(template, method)).get("Integration");
    }

    @Test
    void v1Proxy_isAnyMethod_onV1ProxyPlus() {
        Template template = Templates.defaults();
        String v1 = Templates.logicalId(template, "AWS::ApiGateway::Resource", "PathPart", "v1");
        String proxy = Templates.logicalId(template, "AWS::ApiGateway::Resource", "PathPart", "{proxy+}");

        assertThat(Templates.properties(Templates.resource(template, proxy)).get("ParentId"))
                .isEqualTo(Templates.ref(v1));
        template.hasResourceProperties(
                "AWS::ApiGateway::Method", Map.of("HttpMethod", "ANY", "ResourceId", Templates.ref(proxy)));
    }

    @Test
    void integration_streamsFromTheLiveAlias() {
        Template template = Templates.defaults();
        Map<String, Object> integration = integration(template);

        assertThat(integration.get("Type")).isEqualTo("AWS_PROXY");
        assertThat(integration.get("ResponseTransferMode")).isEqualTo("STREAM");
        assertThat(integration.get("Uri"))
                .isEqualTo(Map.of(
                        "Fn::Join",
                        List.of(
                                "",
                                List.of(
                                        "arn:",
                                        Map.of("Ref", "AWS::Partition"),
                                        ":apigateway:",
                                        Map.of("Ref", "AWS::Region"),
                                        ":lambda:path/2021-11-15/functions/",
                                        Templates.ref(routerAlias(template)),
                                        "/response-streaming-invocations"))));
    }

    @Test
    void integration_waitsAsLongAsTheRouterMayStream() {
        assertThat(((Number) integration(Templates.defaults()).get("TimeoutInMillis")).intValue())
                .isEqualTo(900_000);
    }

    @Test
    void apiGateway_mayInvokeOnlyTheAlias_fromThisApisV1Paths() {
        Template template = Templates.defaults();
        Map<String, Object> permission = Templates.properties(Templates.resource(
                template,
                Templates.logicalId(template, "AWS::Lambda::Permission", "Principal", "apigateway.amazonaws.com")));

        assertThat(permission.get("FunctionName")).isEqualTo(Templates.ref(routerAlias(template)));
        assertThat(permission.get("Principal")).isEqualTo("apigateway.amazonaws.com");
        assertThat(String.valueOf(permission.get("SourceArn"))).endsWith("/*/v1/*]]}");
    }

    @Test
    void api_isRegional_soStreamsMayIdleFiveMinutes() {
        Templates.defaults()
                .hasResourceProperties(
                        "AWS::ApiGateway::RestApi",
                        Map.of("Name", "sluice-dev", "EndpointConfiguration", Map.of("Types", List.of("REGIONAL"))));
    }

    @Test
    void stage_throttles_andWritesJsonAccessLogs() throws Exception {
        Template template = Templates.with(Map.of("apiThrottleRateLimit", "25", "apiThrottleBurstLimit", "50"));
        Map<String, Object> stage =
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::ApiGateway::Stage")));

        assertThat(stage.get("StageName")).isEqualTo("dev");
        assertThat(String.valueOf(stage.get("MethodSettings")))
                .contains("ThrottlingBurstLimit=50")
                .containsPattern("ThrottlingRateLimit=25(\\.0)?\\b");
        @SuppressWarnings("unchecked")
        Map<String, Object> accessLog = (Map<String, Object>) stage.get("AccessLogSetting");
        assertThat(accessLog.get("DestinationArn")).isEqualTo(Templates.arnOf(accessLogGroup(template)));
        @SuppressWarnings("unchecked")
        Map<String, Object> format = new ObjectMapper().readValue((String) accessLog.get("Format"), Map.class);
        assertThat(format).containsKeys("requestId", "status", "httpMethod", "resourcePath", "responseLength");
    }

    @Test
    void throttling_defaultsTo100PerSecond_burst200() {
        Template template = Templates.defaults();
        Map<String, Object> stage =
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::ApiGateway::Stage")));

        assertThat(String.valueOf(stage.get("MethodSettings")))
                .contains("ThrottlingBurstLimit=200")
                .containsPattern("ThrottlingRateLimit=100(\\.0)?\\b");
    }

    @Test
    void apiUrl_isTheOpenAiBaseUrl() {
        Template template = Templates.defaults();

        template.hasOutput(
                "ApiUrl",
                Match.objectLike(Map.of(
                        "Value",
                        Match.objectLike(
                                Map.of("Fn::Join", Match.arrayWith(List.of(Match.arrayWith(List.of("/v1")))))))));
        assertThat(((Map<?, ?>) Templates.json(template).get("Outputs")).keySet())
                .noneMatch(id -> String.valueOf(id).startsWith("ApiRestApiEndpoint"));
    }

    @Test
    void functionUrl_absentUnlessAsked() {
        Templates.defaults().resourceCountIs("AWS::Lambda::Url", 0);
    }

    @Test
    void functionUrl_streamsFromTheLiveAlias_withIamAuthByDefault() {
        Template template = Templates.with(Map.of("functionUrl", "true"));
        Map<String, Object> url =
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::Lambda::Url")));

        assertThat(url.get("InvokeMode")).isEqualTo("RESPONSE_STREAM");
        assertThat(url.get("AuthType")).isEqualTo("AWS_IAM");
        assertThat(url.get("Qualifier")).isEqualTo("live");
        template.hasOutput("FunctionUrl", Match.anyValue());
    }

    private static String accessLogGroup(Template template) {
        return Templates.resources(template, "AWS::Logs::LogGroup").keySet().stream()
                .filter(id -> id.startsWith("ApiAccessLogs"))
                .findFirst()
                .orElseThrow();
    }
}
