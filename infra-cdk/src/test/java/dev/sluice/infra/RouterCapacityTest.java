package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** {@code compute=managed-instances}: the router on a Lambda Managed Instances capacity provider in its own VPC. */
class RouterCapacityTest {
    private static final Map<String, Object> MANAGED = Map.of("compute", "managed-instances");

    private static Template managed() {
        return Templates.with(MANAGED);
    }

    private static Map<String, Object> provider(Template template) {
        return Templates.properties(
                Templates.resource(template, Templates.only(template, "AWS::Lambda::CapacityProvider")));
    }

    @Test
    void defaultCompute_createsNoCapacityProviderAndNoVpc() {
        Template template = Templates.defaults();

        for (String type : List.of(
                "AWS::Lambda::CapacityProvider",
                "AWS::EC2::VPC",
                "AWS::EC2::NatGateway",
                "AWS::EC2::VPCEndpoint",
                "AWS::EC2::SecurityGroup")) {
            assertThat(Templates.resources(template, type)).as(type).isEmpty();
        }
        assertThat(Templates.router(template)).doesNotContainKeys("CapacityProviderConfig", "PublishToLatestPublished");
    }

    @Test
    void router_runsOnTheCapacityProvider_withManyStreamsPerEnvironment() {
        Template template = managed();
        String provider = Templates.only(template, "AWS::Lambda::CapacityProvider");

        assertThat(Templates.router(template).get("CapacityProviderConfig"))
                .isEqualTo(Map.of(
                        "LambdaManagedInstancesCapacityProviderConfig",
                        Map.of(
                                "CapacityProviderArn",
                                Templates.arnOf(provider),
                                "PerExecutionEnvironmentMaxConcurrency",
                                64,
                                "ExecutionEnvironmentMemoryGiBPerVCpu",
                                2)));
        assertThat(Templates.router(template))
                .as("only the live alias's version runs; no $LATEST.PUBLISHED kept warm beside it")
                .containsEntry("PublishToLatestPublished", false)
                .containsEntry("MemorySize", 4096)
                .containsEntry("Runtime", "java21")
                .containsEntry("Architectures", List.of("arm64"));
    }

    @Test
    void managedInstances_haveNoSnapStart_andNoReservedConcurrency() {
        Map<String, Object> router = Templates.router(managed());

        assertThat(router).doesNotContainKeys("SnapStart", "ReservedConcurrentExecutions");
        assertThat(Templates.environment(router))
                .doesNotContainKeys("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH");
    }

    @Test
    void concurrencyMemoryAndVCpus_comeFromContext() {
        Template template = Templates.with(Map.of(
                "compute",
                "managed-instances",
                "routerConcurrency",
                "400",
                "routerMemoryMb",
                "8192",
                "routerMemoryGiBPerVCpu",
                "4",
                "routerMaxVCpus",
                "200",
                "architecture",
                "x86_64"));

        Map<String, Object> router = Templates.router(template);
        assertThat(router).containsEntry("MemorySize", 8192);
        assertThat(String.valueOf(router.get("CapacityProviderConfig")))
                .contains("PerExecutionEnvironmentMaxConcurrency=400")
                .contains("ExecutionEnvironmentMemoryGiBPerVCpu=4");
        assertThat(provider(template).get("CapacityProviderScalingConfig"))
                .isEqualTo(Map.of("MaxVCpuCount", 200, "ScalingMode", "Auto"));
        assertThat(provider(template).get("InstanceRequirements"))
                .isEqualTo(Map.of("Architectures", List.of("x86_64")));
        assertThat(Templates.environment(router))
                .containsEntry("SLUICE_MAX_CONNECTIONS", "800")
                .containsEntry("SLUICE_JVM_OPTS", "-XX:+UseG1GC -Dhttp.maxConnections=800");
    }

    @Test
    @SuppressWarnings("unchecked")
    void capacityProvider_arm64_cappedInVCpus_scalingAsTheServiceDoes_inThePrivateSubnets() {
        Template template = managed();
        Map<String, Object> provider = provider(template);

        assertThat(provider.get("InstanceRequirements")).isEqualTo(Map.of("Architectures", List.of("arm64")));
        assertThat(provider.get("CapacityProviderScalingConfig"))
                .isEqualTo(Map.of("MaxVCpuCount", 64, "ScalingMode", "Auto"));
        Map<String, Object> vpcConfig = (Map<String, Object>) provider.get("VpcConfig");
        List<Object> privateSubnets = Templates.resources(template, "AWS::EC2::Subnet").entrySet().stream()
                .filter(e ->
                        Boolean.FALSE.equals(Templates.properties(e.getValue()).get("MapPublicIpOnLaunch")))
                .map(e -> (Object) Templates.ref(e.getKey()))
                .toList();
        assertThat(privateSubnets).hasSize(2);
        assertThat((List<Object>) vpcConfig.get("SubnetIds")).containsExactlyInAnyOrderElementsOf(privateSubnets);
        assertThat(vpcConfig.get("SecurityGroupIds"))
                .isEqualTo(List.of(
                        Map.of("Fn::GetAtt", List.of(Templates.only(template, "AWS::EC2::SecurityGroup"), "GroupId"))));
        assertThat(String.valueOf(provider.get("PropagateTags")))
                .contains("app")
                .contains("sluice")
                .contains("stage");
    }

    @Test
    void vpc_spansTwoZones_withANatGatewayEach_andPrivateSubnetsThatEgressThroughThem() {
        Template template = managed();

        assertThat(Templates.resources(template, "AWS::EC2::VPC")).hasSize(1);
        assertThat(Templates.resources(template, "AWS::EC2::Subnet")).hasSize(4);
        assertThat(Templates.resources(template, "AWS::EC2::NatGateway")).hasSize(2);
        template.resourcePropertiesCountIs(
                "AWS::EC2::Route",
                Match.objectLike(Map.of("DestinationCidrBlock", "0.0.0.0/0", "NatGatewayId", Match.anyValue())),
                2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void router_isCreatedAfterThePrivateSubnetsCanReachTheNatGateways() {
        Template template = managed();
        List<Object> dependsOn = (List<Object>) Templates.resource(template, Templates.functionId(template, "run.sh"))
                .get("DependsOn");
        List<Object> natRoutes = Templates.resources(template, "AWS::EC2::Route").entrySet().stream()
                .filter(e -> Templates.properties(e.getValue()).containsKey("NatGatewayId"))
                .map(e -> (Object) e.getKey())
                .toList();

        assertThat(natRoutes).hasSize(2);
        assertThat(dependsOn).containsAll(natRoutes);
    }

    @Test
    void dynamoDbTraffic_takesTheFreeGatewayEndpoint_fromThePrivateSubnets() {
        Template template = managed();
        Map<String, Object> endpoint =
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::EC2::VPCEndpoint")));

        assertThat(endpoint).containsEntry("VpcEndpointType", "Gateway");
        assertThat(String.valueOf(endpoint.get("ServiceName"))).contains(".dynamodb");
        List<?> routeTables = (List<?>) endpoint.get("RouteTableIds");
        assertThat(routeTables).hasSize(2);
        Map<String, Map<String, Object>> associations =
                Templates.resources(template, "AWS::EC2::SubnetRouteTableAssociation");
        for (Object table : routeTables) {
            Object subnet = associations.values().stream()
                    .map(Templates::properties)
                    .filter(p -> table.equals(p.get("RouteTableId")))
                    .map(p -> p.get("SubnetId"))
                    .findFirst()
                    .orElseThrow();
            String subnetId = (String) ((Map<?, ?>) subnet).get("Ref");
            assertThat(Templates.properties(Templates.resource(template, subnetId)))
                    .as("the endpoint serves the instances' subnets")
                    .containsEntry("MapPublicIpOnLaunch", false);
        }
    }

    @Test
    void instancesSecurityGroup_allowsNothingIn_onlyOut() {
        Template template = managed();
        Map<String, Object> group =
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::EC2::SecurityGroup")));

        assertThat(group).doesNotContainKey("SecurityGroupIngress");
        assertThat(group.get("SecurityGroupEgress"))
                .isEqualTo(List.of(Map.of(
                        "CidrIp",
                        "0.0.0.0/0",
                        "Description",
                        "Allow all outbound traffic by default",
                        "IpProtocol",
                        "-1")));
        assertThat(Templates.resources(template, "AWS::EC2::SecurityGroupIngress"))
                .isEmpty();
    }

    @Test
    void operatorRole_isAssumedByLambda_withTheManagedOperatorPolicyOnly() {
        Template template = managed();
        @SuppressWarnings("unchecked")
        Map<String, Object> permissions =
                (Map<String, Object>) provider(template).get("PermissionsConfig");
        String roleId = (String)
                ((List<?>) ((Map<?, ?>) permissions.get("CapacityProviderOperatorRoleArn")).get("Fn::GetAtt")).get(0);
        Map<String, Object> role = Templates.properties(Templates.resource(template, roleId));

        assertThat(String.valueOf(role.get("AssumeRolePolicyDocument")))
                .contains("Service=lambda.amazonaws.com")
                .contains("sts:AssumeRole");
        assertThat(String.valueOf(role.get("ManagedPolicyArns")))
                .contains(":iam::aws:policy/AWSLambdaManagedEC2ResourceOperator");
        assertThat((List<?>) role.get("ManagedPolicyArns")).hasSize(1);
        assertThat(role).doesNotContainKey("Policies");
        assertThat(IamPolicies.all(template))
                .as("no statement of the stack's own is attached to the operator role")
                .noneMatch(s -> s.roles().contains(Templates.ref(roleId)));
    }

    @Test
    void apiIntegration_isUnchanged_theLiveAliasInStreamMode() {
        Template template = managed();
        String function = Templates.functionId(template, "run.sh");
        String alias = Templates.logicalId(template, "AWS::Lambda::Alias", "FunctionName", Templates.ref(function));

        assertThat(String.valueOf(Templates.json(template).get("Resources")))
                .contains("ResponseTransferMode=STREAM")
                .contains(alias);
        assertThat(Templates.properties(Templates.resource(template, alias))).containsEntry("Name", "live");
    }

    @Test
    void existingVpc_runsTheInstancesInItsSubnets_andCreatesOnlyTheSecurityGroup() {
        Template template = Templates.with(Map.of(
                "compute",
                "managed-instances",
                "vpcId",
                "vpc-0123456789abcdef0",
                "subnetIds",
                "subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f"));

        for (String type : List.of(
                "AWS::EC2::VPC",
                "AWS::EC2::Subnet",
                "AWS::EC2::NatGateway",
                "AWS::EC2::VPCEndpoint",
                "Custom::VpcRestrictDefaultSG")) {
            assertThat(Templates.resources(template, type)).as(type).isEmpty();
        }
        assertThat(provider(template).get("VpcConfig"))
                .isEqualTo(Map.of(
                        "SubnetIds",
                        List.of("subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"),
                        "SecurityGroupIds",
                        List.of(Map.of(
                                "Fn::GetAtt",
                                List.of(Templates.only(template, "AWS::EC2::SecurityGroup"), "GroupId")))));
        assertThat(Templates.properties(
                        Templates.resource(template, Templates.only(template, "AWS::EC2::SecurityGroup"))))
                .containsEntry("VpcId", "vpc-0123456789abcdef0")
                .doesNotContainKey("SecurityGroupIngress");
    }

    @Test
    void synthesis_raisesNoWarningsOrErrors() {
        for (Map<String, Object> context : List.of(
                MANAGED,
                // many streams per environment: each stream to a provider has a connection of its own now
                Map.<String, Object>of("compute", "managed-instances", "routerConcurrency", "400"),
                Map.<String, Object>of(
                        "compute", "managed-instances", "vpcId", "vpc-0123", "subnetIds", "subnet-a1,subnet-b2"))) {
            Annotations annotations = Annotations.fromStack(Templates.stack(context));

            annotations.hasNoWarning("*", Match.anyValue());
            annotations.hasNoError("*", Match.anyValue());
        }
    }
}
