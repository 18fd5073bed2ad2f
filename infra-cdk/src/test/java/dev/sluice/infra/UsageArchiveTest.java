package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.infra.IamPolicies.Statement;
import dev.sluice.usage.event.UsageEvent;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class UsageArchiveTest {

    private static Map<String, Object> deliveryStream(Template template) {
        return Templates.properties(
                Templates.resource(template, Templates.only(template, "AWS::KinesisFirehose::DeliveryStream")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> destination(Template template) {
        return (Map<String, Object>) deliveryStream(template).get("ExtendedS3DestinationConfiguration");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tableInput(Template template) {
        return (Map<String, Object>)
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::Glue::Table")))
                        .get("TableInput");
    }

    private static String archiveBucket(Template template) {
        return Templates.logicalId(template, "AWS::S3::Bucket", "LifecycleConfiguration", lifecycleOf(template));
    }

    /** The archive bucket is the one whose lifecycle expires the error prefix. */
    private static Object lifecycleOf(Template template) {
        return Templates.resources(template, "AWS::S3::Bucket").values().stream()
                .map(b -> Templates.properties(b).get("LifecycleConfiguration"))
                .filter(l -> String.valueOf(l).contains(UsageArchive.ERRORS_PREFIX))
                .findFirst()
                .orElseThrow();
    }

    /** What the table must hold: one column per UsageEvent component, typed as Jackson writes it. */
    private static Map<String, String> expectedColumns() {
        Map<String, String> columns = new LinkedHashMap<>();
        for (RecordComponent component : UsageEvent.class.getRecordComponents()) {
            Class<?> type = component.getType();
            String glue;
            if (type == long.class || type == Long.class) {
                glue = "bigint";
            } else if (type == int.class || type == Integer.class) {
                glue = "int";
            } else if (type == boolean.class || type == Boolean.class) {
                glue = "boolean";
            } else if (type == String.class) {
                glue = "string";
            } else {
                throw new AssertionError("no Glue type decided for " + component + ": map it here and in "
                        + "UsageArchive.COLUMNS (a map is map<string,...>, a list array<...>)");
            }
            columns.put(component.getName().toLowerCase(Locale.ROOT), glue);
        }
        return columns;
    }

    @Test
    void deliveryStream_readsTheUsageStream_intoTheArchiveBucket() {
        Template template = Templates.defaults();
        String stream = Templates.only(template, "AWS::Kinesis::Stream");
        Map<String, Object> delivery = deliveryStream(template);
        Map<String, Object> destination = destination(template);

        assertThat(delivery.get("DeliveryStreamType")).isEqualTo("KinesisStreamAsSource");
        assertThat(delivery.get("KinesisStreamSourceConfiguration"))
                .isEqualTo(Map.of(
                        "KinesisStreamARN",
                        Templates.arnOf(stream),
                        "RoleARN",
                        Templates.arnOf(Templates.only(template, "AWS::IAM::Role", "DeliveryRole"))));
        assertThat(destination.get("BucketARN")).isEqualTo(Templates.arnOf(archiveBucket(template)));
        assertThat(destination)
                .containsEntry("Prefix", "usage/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/")
                .containsEntry(
                        "ErrorOutputPrefix",
                        "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}"
                                + "/day=!{timestamp:dd}/")
                .containsEntry("CompressionFormat", "UNCOMPRESSED");
    }

    @Test
    @SuppressWarnings("unchecked")
    void deliveryStream_convertsJsonToParquet_withTheGlueTable() {
        Template template = Templates.defaults();
        Map<String, Object> conversion =
                (Map<String, Object>) destination(template).get("DataFormatConversionConfiguration");
        Map<String, Object> schema = (Map<String, Object>) conversion.get("SchemaConfiguration");

        assertThat(conversion.get("Enabled")).isEqualTo(true);
        assertThat(String.valueOf(conversion.get("InputFormatConfiguration"))).contains("OpenXJsonSerDe");
        assertThat(conversion.get("OutputFormatConfiguration"))
                .isEqualTo(Map.of("Serializer", Map.of("ParquetSerDe", Map.of("Compression", "SNAPPY"))));
        assertThat(schema)
                .containsEntry("DatabaseName", Templates.ref(Templates.only(template, "AWS::Glue::Database")))
                .containsEntry("TableName", Templates.ref(Templates.only(template, "AWS::Glue::Table")))
                .containsEntry("VersionId", "LATEST");
        assertThat(((Number) ((Map<String, Object>) destination(template).get("BufferingHints")).get("SizeInMBs"))
                        .intValue())
                .as("Parquet conversion needs at least 64 MB")
                .isGreaterThanOrEqualTo(64);
    }

    @Test
    @SuppressWarnings("unchecked")
    void table_hasAColumnForEveryUsageEventComponent_withItsType() {
        List<Map<String, Object>> columns = (List<Map<String, Object>>)
                ((Map<String, Object>) tableInput(Templates.defaults()).get("StorageDescriptor")).get("Columns");
        Map<String, String> actual = new LinkedHashMap<>();
        columns.forEach(c -> actual.put((String) c.get("Name"), (String) c.get("Type")));

        assertThat(actual).containsExactlyEntriesOf(expectedColumns());
        assertThat(UsageEvent.class.getRecordComponents()).hasSize(columns.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void table_isParquet_withProjectedDatePartitions_underTheFirehosePrefix() {
        Template template = Templates.defaults();
        Map<String, Object> table = tableInput(template);
        Map<String, Object> parameters = (Map<String, Object>) table.get("Parameters");
        Map<String, Object> storage = (Map<String, Object>) table.get("StorageDescriptor");

        assertThat(table.get("Name")).isEqualTo("usage_events");
        assertThat(table.get("PartitionKeys"))
                .isEqualTo(List.of(
                        Map.of("Name", "year", "Type", "string"),
                        Map.of("Name", "month", "Type", "string"),
                        Map.of("Name", "day", "Type", "string")));
        assertThat(parameters)
                .containsEntry("projection.enabled", "true")
                .containsEntry("projection.year.type", "integer")
                .containsEntry("projection.month.range", "1,12")
                .containsEntry("projection.month.digits", "2")
                .containsEntry("projection.day.range", "1,31")
                .containsEntry("projection.day.digits", "2");
        String bucket = archiveBucket(template);
        assertThat(String.valueOf(parameters.get("storage.location.template")))
                .contains("{Ref=" + bucket + "}")
                .endsWith("/usage/year=${year}/month=${month}/day=${day}/]]}");
        assertThat(String.valueOf(storage.get("Location")))
                .contains("{Ref=" + bucket + "}")
                .endsWith("/usage/]]}");
        assertThat(String.valueOf(storage.get("SerdeInfo"))).contains("ParquetHiveSerDe");
        assertThat(String.valueOf(Templates.properties(
                                Templates.resource(template, Templates.only(template, "AWS::Glue::Database")))
                        .get("DatabaseInput")))
                .contains("Name=sluice_dev");
    }

    @Test
    void buckets_areEncrypted_private_tlsOnly_andTheArchiveIsKept() {
        Template template = Templates.defaults();

        Templates.resources(template, "AWS::S3::Bucket").forEach((id, bucket) -> {
            assertThat(String.valueOf(Templates.properties(bucket).get("BucketEncryption")))
                    .as(id)
                    .contains("AES256");
            assertThat(Templates.properties(bucket).get("PublicAccessBlockConfiguration"))
                    .as(id)
                    .isEqualTo(Map.of(
                            "BlockPublicAcls", true,
                            "BlockPublicPolicy", true,
                            "IgnorePublicAcls", true,
                            "RestrictPublicBuckets", true));
            assertThat(bucket.get("DeletionPolicy")).as(id).isEqualTo("Retain");
        });
        Map<String, Map<String, Object>> policies = Templates.resources(template, "AWS::S3::BucketPolicy");
        assertThat(policies)
                .hasSize(2)
                .allSatisfy((id, policy) -> assertThat(String.valueOf(policy))
                        .contains("aws:SecureTransport")
                        .contains("Deny"));
        template.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
        Template throwaway = Templates.with(Map.of("throwaway", "true"));
        throwaway.allResources("AWS::S3::Bucket", Map.of("DeletionPolicy", "Delete"));
        throwaway.resourceCountIs("Custom::S3AutoDeleteObjects", 2);
    }

    @Test
    void workGroup_writesResultsToItsOwnBucket_andHoldsTheThreeFinanceQueries() {
        Template template = Templates.defaults();
        String workGroup = Templates.only(template, "AWS::Athena::WorkGroup");
        Map<String, Object> properties = Templates.properties(Templates.resource(template, workGroup));
        String results = Templates.resources(template, "AWS::S3::Bucket").keySet().stream()
                .filter(id -> !id.equals(archiveBucket(template)))
                .findFirst()
                .orElseThrow();

        assertThat(properties.get("Name")).isEqualTo("sluice-dev-finance");
        assertThat(String.valueOf(properties.get("WorkGroupConfiguration")))
                .contains("EnforceWorkGroupConfiguration=true")
                .contains("{Ref=" + results + "}")
                .contains("SSE_S3");
        Map<String, Map<String, Object>> queries = Templates.resources(template, "AWS::Athena::NamedQuery");
        assertThat(queries.values().stream().map(Templates::properties).map(q -> q.get("Name")))
                .containsExactlyInAnyOrder("Spend by tenant and month", "Spend by model", "Top keys by spend");
        queries.values().stream().map(Templates::properties).forEach(q -> {
            assertThat(q.get("WorkGroup")).isEqualTo(Templates.ref(workGroup));
            assertThat(q.get("Database")).isEqualTo(Templates.ref(Templates.only(template, "AWS::Glue::Database")));
            assertThat(String.valueOf(q.get("QueryString")))
                    .contains("FROM usage_events")
                    .contains("GROUP BY requestid")
                    .contains("/ 1000000 AS usd");
        });
    }

    @Test
    void deliveryRole_readsTheStream_theSchema_andWritesOnlyTheArchivePrefixes() {
        Template template = Templates.defaults();
        String role = Templates.only(template, "AWS::IAM::Role", "DeliveryRole");
        List<Statement> statements = IamPolicies.all(template).stream()
                .filter(s -> s.roles().contains(Templates.ref(role)))
                .toList();
        String stream = Templates.only(template, "AWS::Kinesis::Stream");
        String bucket = archiveBucket(template);

        assertThat(IamPolicies.actions(statements))
                .containsExactlyInAnyOrder(
                        "kinesis:DescribeStream",
                        "kinesis:GetShardIterator",
                        "kinesis:GetRecords",
                        "kinesis:ListShards",
                        "glue:GetTable",
                        "glue:GetTableVersion",
                        "glue:GetTableVersions",
                        "s3:GetBucketLocation",
                        "s3:ListBucket",
                        "s3:ListBucketMultipartUploads",
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:AbortMultipartUpload",
                        "logs:PutLogEvents");
        assertThat(statements)
                .filteredOn(s -> s.touches("kinesis:"))
                .singleElement()
                .satisfies(s -> assertThat(s.resources()).containsExactly(Templates.arnOf(stream)));
        assertThat(statements)
                .filteredOn(s -> s.touches("s3:"))
                .allSatisfy(s -> assertThat(String.valueOf(s.resources())).contains(bucket));
        assertThat(statements)
                .filteredOn(s -> s.actions().contains("s3:PutObject"))
                .singleElement()
                .satisfies(s -> assertThat(String.valueOf(s.resources()))
                        .contains("/usage/*")
                        .contains("/errors/*")
                        .doesNotContain("Arn\"]}/*"));
        assertThat(statements)
                .filteredOn(s -> s.touches("glue:"))
                .singleElement()
                .satisfies(s -> assertThat(String.valueOf(s.resources()))
                        .contains(":catalog")
                        .contains(":database/")
                        .contains(":table/")
                        .doesNotContain("*"));
    }

    @Test
    void deliveryRole_isAssumedOnlyByFirehose_forThisAccount() {
        Template template = Templates.defaults();
        Map<String, Object> role = Templates.properties(
                Templates.resource(template, Templates.only(template, "AWS::IAM::Role", "DeliveryRole")));

        assertThat(String.valueOf(role.get("AssumeRolePolicyDocument")))
                .contains("Service=firehose.amazonaws.com")
                .contains("sts:ExternalId={Ref=AWS::AccountId}");
    }

    @Test
    void deliveryStream_waitsForItsRolePolicy() {
        Template template = Templates.defaults();
        String delivery = Templates.only(template, "AWS::KinesisFirehose::DeliveryStream");
        String policy = Templates.resources(template, "AWS::IAM::Policy").keySet().stream()
                .filter(id -> id.contains("DeliveryRole"))
                .findFirst()
                .orElseThrow();

        assertThat(String.valueOf(Templates.resource(template, delivery).get("DependsOn")))
                .contains(policy);
    }
}
