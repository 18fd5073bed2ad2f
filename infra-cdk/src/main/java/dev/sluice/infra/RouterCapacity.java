package dev.sluice.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Subnet;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.lambda.CapacityProvider;
import software.amazon.awscdk.services.lambda.CapacityProviderFunctionOptions;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.PropagateTags;
import software.amazon.awscdk.services.lambda.ScalingOptions;
import software.constructs.Construct;

/**
 * Where the router runs with {@code compute=managed-instances}: a Lambda Managed Instances capacity provider, whose
 * EC2 instances Lambda launches, patches and scales in this stack's own VPC, and where one execution environment
 * serves {@code routerConcurrency} streams at once (the Web Adapter forwards concurrent invocations to the router's
 * HTTP server, which serves each on a virtual thread).
 *
 * <p>The VPC: two Availability Zones, a public subnet in each for its NAT gateway and a private subnet in each for
 * the instances. The instances reach every AWS API the router calls (Kinesis, Secrets Manager, Bedrock, CloudWatch
 * Logs) and the model providers through the NAT gateways; DynamoDB, the router's most frequent call, goes through a
 * gateway endpoint instead, which costs nothing and keeps that traffic off the NAT's per-GB charge. Nothing connects
 * in: the instances' security group has no ingress rule (invocations arrive through Lambda's own channel).
 *
 * <p>With {@code vpcId} and {@code subnetIds}, the instances run in those subnets of an existing VPC instead, which
 * must give them the same egress; only the security group is created there.
 */
public final class RouterCapacity extends Construct {
    /** Lambda launches three instances for Availability Zone resiliency; two zones are the fewest that spread them. */
    public static final int AVAILABILITY_ZONES = 2;

    private final IVpc vpc;
    private final List<ISubnet> subnets;
    private final SecurityGroup securityGroup;
    private final CapacityProvider provider;

    public RouterCapacity(Construct scope, String id, SluiceSettings settings) {
        super(scope, id);

        if (settings.vpcId() == null) {
            Vpc created = newVpc();
            vpc = created;
            subnets = created.getPrivateSubnets();
        } else {
            // An existing VPC: its subnets must already route to the internet (a NAT gateway) and, ideally, to a
            // DynamoDB gateway endpoint; the stack cannot see its route tables, so it adds neither.
            vpc = Vpc.fromVpcAttributes(
                    this,
                    "Vpc",
                    VpcAttributes.builder()
                            .vpcId(settings.vpcId())
                            .availabilityZones(Stack.of(this).getAvailabilityZones())
                            .build());
            List<ISubnet> existing = new ArrayList<>();
            for (String subnetId : settings.subnetIds()) {
                ISubnet subnet = Subnet.fromSubnetId(this, "Subnet-" + subnetId, subnetId);
                Annotations.of(subnet)
                        .acknowledgeWarning(
                                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                                "the VPC's owner keeps its route tables; the stack adds no route or endpoint there");
                existing.add(subnet);
            }
            subnets = List.copyOf(existing);
        }

        securityGroup = SecurityGroup.Builder.create(this, "InstancesSecurityGroup")
                .vpc(vpc)
                .description("Sluice " + settings.stage() + " router instances: outbound only")
                .allowAllOutbound(true)
                .build();

        // The operator role (CDK's default) carries the AWS-managed AWSLambdaManagedEC2ResourceOperator policy that
        // lets Lambda run instances in these subnets; it is assumed by lambda.amazonaws.com only.
        provider = CapacityProvider.Builder.create(this, "Provider")
                .subnets(subnets)
                .securityGroups(List.of(securityGroup))
                .architectures(List.of(settings.lambdaArchitecture()))
                .maxVCpuCount(settings.routerMaxVCpus())
                // The service's own scaling: on CPU use and on how full the environments' concurrency is.
                .scalingOptions(ScalingOptions.auto())
                .propagateTags(PropagateTags.explicit(Map.of("app", "sluice", "stage", settings.stage())))
                .build();
    }

    private Vpc newVpc() {
        Vpc created = Vpc.Builder.create(this, "Vpc")
                .maxAzs(AVAILABILITY_ZONES)
                // One NAT gateway per zone: a zone's outage does not cut the other zone's instances off the APIs.
                .natGateways(AVAILABILITY_ZONES)
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder()
                                .name("nat")
                                .subnetType(SubnetType.PUBLIC)
                                .cidrMask(24)
                                .build(),
                        SubnetConfiguration.builder()
                                .name("instances")
                                .subnetType(SubnetType.PRIVATE_WITH_EGRESS)
                                .cidrMask(20)
                                .build()))
                // Nothing uses the default security group; leave it without rules rather than allow-all.
                .restrictDefaultSecurityGroup(true)
                .build();
        created.addGatewayEndpoint(
                "DynamoDbEndpoint",
                GatewayVpcEndpointOptions.builder()
                        .service(GatewayVpcEndpointAwsService.DYNAMODB)
                        .subnets(List.of(SubnetSelection.builder()
                                .subnetType(SubnetType.PRIVATE_WITH_EGRESS)
                                .build()))
                        .build());
        return created;
    }

    /**
     * Runs the router on the capacity provider: {@code routerConcurrency} streams per execution environment, of
     * {@code routerMemoryMb} at {@code routerMemoryGiBPerVCpu}. Only the version this deployment publishes (the
     * {@code live} alias) runs: without {@code PublishToLatestPublished=false}, CloudFormation would also publish
     * {@code $LATEST.PUBLISHED}, and Lambda would keep execution environments warm for it that nothing invokes.
     */
    void run(Function router, SluiceSettings settings) {
        // Publishing the version launches the instances: their subnets' routes to the NAT gateways must exist by
        // then, or the first instances start without a way to the APIs.
        for (ISubnet subnet : subnets) {
            router.getNode().addDependency(subnet.getInternetConnectivityEstablished());
        }
        provider.addFunction(
                router,
                CapacityProviderFunctionOptions.builder()
                        .perExecutionEnvironmentMaxConcurrency(settings.routerConcurrency())
                        .executionEnvironmentMemoryGiBPerVCpu(settings.routerMemoryGiBPerVCpu())
                        .publishToLatestPublished(false)
                        .build());
    }

    /** The stack's own VPC, or the one named by {@code vpcId}. */
    public IVpc vpc() {
        return vpc;
    }

    public SecurityGroup securityGroup() {
        return securityGroup;
    }

    public CapacityProvider provider() {
        return provider;
    }
}
