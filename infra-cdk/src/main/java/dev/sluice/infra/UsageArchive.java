package dev.sluice.infra;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.athena.CfnNamedQuery;
import software.amazon.awscdk.services.athena.CfnWorkGroup;
import software.amazon.awscdk.services.glue.CfnDatabase;
import software.amazon.awscdk.services.glue.CfnTable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.BufferingHintsProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.DataFormatConversionConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.DeserializerProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.InputFormatConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.KinesisStreamSourceConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.OpenXJsonSerDeProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.OutputFormatConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.ParquetSerDeProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.SchemaConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.SerializerProperty;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogStream;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.constructs.Construct;

/**
 * Every usage event, kept for finance: a Firehose delivery stream reads the usage stream (beside the billing
 * aggregator, which keeps its own position) and writes the events to S3 as Parquet, partitioned by the day Firehose
 * received them. A Glue table describes the files (the schema Firehose converts with) and projects its partitions,
 * so Athena queries them with no crawler; an Athena workgroup with its own results location holds the saved
 * queries finance starts from ({@link FinanceQueries}).
 */
public final class UsageArchive extends Construct {
    /** Under this prefix of the archive bucket: {@code year=YYYY/month=MM/day=DD/}, the table's partitions. */
    public static final String EVENTS_PREFIX = "usage/";
    /** Records Firehose could not convert (e.g. not JSON), by error type and day. */
    public static final String ERRORS_PREFIX = "errors/";

    public static final String TABLE = "usage_events";
    /** The first year the partition projection covers; the last is {@link #LAST_YEAR}. */
    public static final int FIRST_YEAR = 2026;

    public static final int LAST_YEAR = 2099;
    /** Parquet conversion needs at least 64 MB of buffer; a quarter of an hour keeps files few and large. */
    public static final int BUFFER_MB = 128;

    public static final int BUFFER_SECONDS = 900;
    /** A query that would scan more is cancelled: a guard against a query without a partition filter. */
    public static final long BYTES_SCANNED_CUTOFF = 100L * 1024 * 1024 * 1024;

    /**
     * The Glue columns, one per field of the usage event's JSON ({@code dev.sluice.usage.event.UsageEvent}, in
     * its order), named in lower case: Firehose's JSON deserializer lower-cases the keys before it matches them,
     * and Athena names columns in lower case anyway. Java {@code long} is {@code bigint}, {@code int} is
     * {@code int}. A field added to the event needs its column here (UsageArchiveTest fails until it has one).
     */
    public static final Map<String, String> COLUMNS = columns(
            "schemaversion", "int",
            "requestid", "string",
            "timestampms", "bigint",
            "tenantid", "string",
            "keyid", "string",
            "alias", "string",
            "provider", "string",
            "upstreammodel", "string",
            "prompttokens", "bigint",
            "completiontokens", "bigint",
            "cachedprompttokens", "bigint",
            "reasoningtokens", "bigint",
            "costmicros", "bigint",
            "latencyms", "bigint",
            "timetofirsttokenms", "bigint",
            "status", "string",
            "httpstatus", "int",
            "streamed", "boolean",
            "estimated", "boolean",
            "cachehit", "boolean",
            "keylevel", "string",
            "sessionid", "string",
            "attempts", "int",
            "cachesavedtokens", "bigint",
            "cachesavedmicros", "bigint",
            "redactions", "int",
            "cacheresult", "string");

    private final Bucket bucket;
    private final Bucket queryResults;
    private final CfnDeliveryStream deliveryStream;
    private final Role deliveryRole;
    private final String databaseName;
    private final CfnWorkGroup workGroup;

    public UsageArchive(Construct scope, String id, SluiceSettings settings, SluiceData data) {
        super(scope, id);
        Stack stack = Stack.of(this);

        // The only copy of every request's detail once the stream's 24 h have passed: kept like the tables.
        bucket = Bucket.Builder.create(this, "Bucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .lifecycleRules(List.of(
                        LifecycleRule.builder()
                                .abortIncompleteMultipartUploadAfter(Duration.days(7))
                                .build(),
                        LifecycleRule.builder()
                                .prefix(ERRORS_PREFIX)
                                .expiration(Duration.days(90))
                                .build()))
                .removalPolicy(settings.dataRemovalPolicy())
                // A throwaway stage's bucket must be emptied before CloudFormation can delete it.
                .autoDeleteObjects(settings.throwaway())
                .build();
        // Query results are copies: a month is enough to download them.
        queryResults = Bucket.Builder.create(this, "QueryResults")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .expiration(Duration.days(30))
                        .abortIncompleteMultipartUploadAfter(Duration.days(1))
                        .build()))
                .removalPolicy(settings.dataRemovalPolicy())
                .autoDeleteObjects(settings.throwaway())
                .build();

        databaseName = "sluice_" + settings.stage().replace('-', '_');
        CfnDatabase database = CfnDatabase.Builder.create(this, "Database")
                .catalogId(stack.getAccount())
                .databaseInput(CfnDatabase.DatabaseInputProperty.builder()
                        .name(databaseName)
                        .description("Sluice " + settings.stage() + ": every usage event, for finance (Athena)")
                        .build())
                .build();
        String location = "s3://" + bucket.getBucketName() + "/" + EVENTS_PREFIX;
        CfnTable table = CfnTable.Builder.create(this, "EventsTable")
                .catalogId(stack.getAccount())
                .databaseName(database.getRef())
                .tableInput(CfnTable.TableInputProperty.builder()
                        .name(TABLE)
                        .description("One row per usage event (the usage stream's JSON), Parquet, by day received")
                        .tableType("EXTERNAL_TABLE")
                        .parameters(tableParameters(location))
                        .partitionKeys(
                                List.of(column("year", "string"), column("month", "string"), column("day", "string")))
                        .storageDescriptor(CfnTable.StorageDescriptorProperty.builder()
                                .location(location)
                                .columns(COLUMNS.entrySet().stream()
                                        .map(c -> (Object) column(c.getKey(), c.getValue()))
                                        .toList())
                                .inputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
                                .outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
                                .serdeInfo(CfnTable.SerdeInfoProperty.builder()
                                        .serializationLibrary(
                                                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
                                        .parameters(Map.of("serialization.format", "1"))
                                        .build())
                                .build())
                        .build())
                .build();

        LogGroup logs = LogGroup.Builder.create(this, "DeliveryLogs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();
        LogStream deliveryErrors = LogStream.Builder.create(this, "DeliveryErrors")
                .logGroup(logs)
                .logStreamName("S3Delivery")
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        deliveryRole = Role.Builder.create(this, "DeliveryRole")
                // Only on behalf of this account's delivery streams (Firehose passes the account id as external id).
                .assumedBy(new ServicePrincipal("firehose.amazonaws.com")
                        .withConditions(Map.of("StringEquals", Map.of("sts:ExternalId", stack.getAccount()))))
                .description("Sluice " + settings.stage() + ": Firehose reads the usage stream into the archive")
                .build();
        grantDelivery(stack, data, database, table, logs, deliveryErrors);

        deliveryStream = CfnDeliveryStream.Builder.create(this, "DeliveryStream")
                .deliveryStreamType("KinesisStreamAsSource")
                .kinesisStreamSourceConfiguration(KinesisStreamSourceConfigurationProperty.builder()
                        .kinesisStreamArn(data.usageStream().getStreamArn())
                        .roleArn(deliveryRole.getRoleArn())
                        .build())
                .extendedS3DestinationConfiguration(ExtendedS3DestinationConfigurationProperty.builder()
                        .bucketArn(bucket.getBucketArn())
                        .roleArn(deliveryRole.getRoleArn())
                        .prefix(EVENTS_PREFIX + "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/")
                        .errorOutputPrefix(ERRORS_PREFIX + "!{firehose:error-output-type}/year=!{timestamp:yyyy}"
                                + "/month=!{timestamp:MM}/day=!{timestamp:dd}/")
                        .bufferingHints(BufferingHintsProperty.builder()
                                .sizeInMBs(BUFFER_MB)
                                .intervalInSeconds(BUFFER_SECONDS)
                                .build())
                        // Parquet compresses its own pages (Snappy); the file must not be compressed again.
                        .compressionFormat("UNCOMPRESSED")
                        .dataFormatConversionConfiguration(DataFormatConversionConfigurationProperty.builder()
                                .enabled(true)
                                .inputFormatConfiguration(InputFormatConfigurationProperty.builder()
                                        .deserializer(DeserializerProperty.builder()
                                                .openXJsonSerDe(OpenXJsonSerDeProperty.builder()
                                                        .caseInsensitive(true)
                                                        .build())
                                                .build())
                                        .build())
                                .outputFormatConfiguration(OutputFormatConfigurationProperty.builder()
                                        .serializer(SerializerProperty.builder()
                                                .parquetSerDe(ParquetSerDeProperty.builder()
                                                        .compression("SNAPPY")
                                                        .build())
                                                .build())
                                        .build())
                                .schemaConfiguration(SchemaConfigurationProperty.builder()
                                        .catalogId(stack.getAccount())
                                        .region(stack.getRegion())
                                        .databaseName(database.getRef())
                                        .tableName(table.getRef())
                                        .roleArn(deliveryRole.getRoleArn())
                                        .versionId("LATEST")
                                        .build())
                                .build())
                        .cloudWatchLoggingOptions(CloudWatchLoggingOptionsProperty.builder()
                                .enabled(true)
                                .logGroupName(logs.getLogGroupName())
                                .logStreamName(deliveryErrors.getLogStreamName())
                                .build())
                        .build())
                .build();
        // Firehose checks its role's permissions when the stream is created: the policy must exist first.
        deliveryStream.getNode().addDependency(deliveryRole);

        workGroup = CfnWorkGroup.Builder.create(this, "WorkGroup")
                .name("sluice-" + settings.stage() + "-finance")
                .description("Sluice " + settings.stage() + ": usage queries for finance (results kept 30 days)")
                .state("ENABLED")
                // The saved queries belong to the stack; deleting the stack deletes them with the workgroup.
                .recursiveDeleteOption(true)
                .workGroupConfiguration(CfnWorkGroup.WorkGroupConfigurationProperty.builder()
                        .enforceWorkGroupConfiguration(true)
                        .publishCloudWatchMetricsEnabled(true)
                        .bytesScannedCutoffPerQuery(BYTES_SCANNED_CUTOFF)
                        .resultConfiguration(CfnWorkGroup.ResultConfigurationProperty.builder()
                                .outputLocation("s3://" + queryResults.getBucketName() + "/results/")
                                .encryptionConfiguration(CfnWorkGroup.EncryptionConfigurationProperty.builder()
                                        .encryptionOption("SSE_S3")
                                        .build())
                                .build())
                        .build())
                .build();
        for (FinanceQueries.Query query : FinanceQueries.ALL) {
            CfnNamedQuery.Builder.create(this, "Query-" + query.id())
                    .name(query.name())
                    .description(query.description())
                    .database(database.getRef())
                    .workGroup(workGroup.getRef())
                    .queryString(query.sql())
                    .build();
        }
    }

    /**
     * Exactly what Firehose does with its role: read the usage stream, read the table's schema for the Parquet
     * conversion, write objects under the two prefixes of the archive bucket, and log delivery errors.
     */
    private void grantDelivery(
            Stack stack,
            SluiceData data,
            CfnDatabase database,
            CfnTable table,
            LogGroup logs,
            LogStream deliveryErrors) {
        deliveryRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("ReadUsageStream")
                .actions(List.of(
                        "kinesis:DescribeStream",
                        "kinesis:GetShardIterator",
                        "kinesis:GetRecords",
                        "kinesis:ListShards"))
                .resources(List.of(data.usageStream().getStreamArn()))
                .build());
        deliveryRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("ReadTableSchema")
                .actions(List.of("glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"))
                .resources(List.of(
                        glueArn(stack, "catalog", null),
                        glueArn(stack, "database", database.getRef()),
                        glueArn(stack, "table", database.getRef() + "/" + table.getRef())))
                .build());
        deliveryRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("LocateArchiveBucket")
                .actions(List.of("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"))
                .resources(List.of(bucket.getBucketArn()))
                .build());
        deliveryRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("WriteArchive")
                .actions(List.of("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"))
                .resources(
                        List.of(bucket.arnForObjects(EVENTS_PREFIX + "*"), bucket.arnForObjects(ERRORS_PREFIX + "*")))
                .build());
        deliveryRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("LogDeliveryErrors")
                .actions(List.of("logs:PutLogEvents"))
                .resources(List.of(stack.formatArn(ArnComponents.builder()
                        .service("logs")
                        .resource("log-group")
                        .resourceName(logs.getLogGroupName() + ":log-stream:" + deliveryErrors.getLogStreamName())
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                        .build())))
                .build());
    }

    private static String glueArn(Stack stack, String resource, String name) {
        ArnComponents.Builder arn = ArnComponents.builder().service("glue").resource(resource);
        if (name != null) {
            arn.resourceName(name).arnFormat(ArnFormat.SLASH_RESOURCE_NAME);
        } else {
            arn.arnFormat(ArnFormat.NO_RESOURCE_NAME);
        }
        return stack.formatArn(arn.build());
    }

    /** Parquet, and partitions projected from the path so that Athena needs neither a crawler nor MSCK REPAIR. */
    private static Map<String, String> tableParameters(String location) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("classification", "parquet");
        parameters.put("projection.enabled", "true");
        parameters.put("projection.year.type", "integer");
        parameters.put("projection.year.range", FIRST_YEAR + "," + LAST_YEAR);
        parameters.put("projection.month.type", "integer");
        parameters.put("projection.month.range", "1,12");
        parameters.put("projection.month.digits", "2");
        parameters.put("projection.day.type", "integer");
        parameters.put("projection.day.range", "1,31");
        parameters.put("projection.day.digits", "2");
        parameters.put("storage.location.template", location + "year=${year}/month=${month}/day=${day}/");
        return parameters;
    }

    private static CfnTable.ColumnProperty column(String name, String type) {
        return CfnTable.ColumnProperty.builder().name(name).type(type).build();
    }

    private static Map<String, String> columns(String... nameTypePairs) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            columns.put(nameTypePairs[i], nameTypePairs[i + 1]);
        }
        return Collections.unmodifiableMap(columns);
    }

    public Bucket bucket() {
        return bucket;
    }

    public Bucket queryResults() {
        return queryResults;
    }

    public CfnDeliveryStream deliveryStream() {
        return deliveryStream;
    }

    public Role deliveryRole() {
        return deliveryRole;
    }

    /** The Glue database Athena queries: {@code sluice_<stage>} ('-' becomes '_'). */
    public String databaseName() {
        return databaseName;
    }

    public CfnWorkGroup workGroup() {
        return workGroup;
    }
}
