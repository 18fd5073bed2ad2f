package dev.sluice.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awscdk.assertions.Template;

/**
 * Every statement of every identity policy in a template: inline policies (AWS::IAM::Policy), managed policies the
 * stack defines (AWS::IAM::ManagedPolicy) and policies inline in roles (AWS::IAM::Role Policies). AWS-managed
 * policies attached by ARN (the Lambda basic execution role, API Gateway's logging role) are not in the template.
 */
final class IamPolicies {
    /** Data services whose actions must always name their resources. */
    static final List<String> DATA_SERVICES = List.of("dynamodb:", "kinesis:", "secretsmanager:", "sqs:");
    /**
     * What X-Ray active tracing adds to a function's role. These two actions have no resource-level permissions,
     * so their statement is the one place a resource of "*" is right.
     */
    static final List<String> XRAY_WRITE = List.of("xray:PutTraceSegments", "xray:PutTelemetryRecords");

    record Statement(
            String policyId,
            List<Object> roles,
            String sid,
            String effect,
            List<String> actions,
            List<Object> resources,
            Object condition) {

        boolean onlyWritesTraces() {
            return !actions.isEmpty() && XRAY_WRITE.containsAll(actions);
        }

        boolean touches(String servicePrefix) {
            return actions.stream().anyMatch(a -> a.toLowerCase(Locale.ROOT).startsWith(servicePrefix));
        }
    }

    private IamPolicies() {}

    static List<Statement> all(Template template) {
        List<Statement> statements = new ArrayList<>();
        Templates.resources(template, "AWS::IAM::Policy").forEach((id, r) -> {
            Map<String, Object> props = Templates.properties(r);
            addDocument(statements, id, list(props.get("Roles")), props.get("PolicyDocument"));
        });
        Templates.resources(template, "AWS::IAM::ManagedPolicy").forEach((id, r) -> {
            Map<String, Object> props = Templates.properties(r);
            addDocument(statements, id, list(props.get("Roles")), props.get("PolicyDocument"));
        });
        Templates.resources(template, "AWS::IAM::Role").forEach((id, r) -> {
            for (Object policy : list(Templates.properties(r).get("Policies"))) {
                addDocument(statements, id, List.of(Templates.ref(id)), ((Map<?, ?>) policy).get("PolicyDocument"));
            }
        });
        return statements;
    }

    /** The statements of the policies attached to the execution role of the function with this handler. */
    static List<Statement> ofFunction(Template template, String handler) {
        Map<String, Object> function = Templates.resource(template, Templates.functionId(template, handler));
        Object roleArn = Templates.properties(function).get("Role");
        String roleId = (String) ((List<?>) ((Map<?, ?>) roleArn).get("Fn::GetAtt")).get(0);
        Object roleRef = Templates.ref(roleId);
        return all(template).stream().filter(s -> s.roles().contains(roleRef)).toList();
    }

    static List<String> actions(List<Statement> statements) {
        return statements.stream().flatMap(s -> s.actions().stream()).toList();
    }

    /** True when a resource is "*" or an ARN with a wildcard in any literal part. */
    static boolean hasWildcard(Object resource) {
        if (resource instanceof String s) {
            return s.contains("*");
        }
        if (resource instanceof Map<?, ?> map) {
            return map.values().stream().anyMatch(IamPolicies::hasWildcard);
        }
        if (resource instanceof List<?> items) {
            return items.stream().anyMatch(IamPolicies::hasWildcard);
        }
        return false;
    }

    private static void addDocument(List<Statement> statements, String policyId, List<Object> roles, Object document) {
        for (Object raw : list(((Map<?, ?>) document).get("Statement"))) {
            Map<?, ?> statement = (Map<?, ?>) raw;
            List<String> actions =
                    list(statement.get("Action")).stream().map(String::valueOf).toList();
            statements.add(new Statement(
                    policyId,
                    roles,
                    (String) statement.get("Sid"),
                    (String) statement.get("Effect"),
                    actions,
                    list(statement.get("Resource")),
                    statement.get("Condition")));
        }
    }

    private static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> items) {
            return new ArrayList<>(items);
        }
        return List.of(value);
    }
}
