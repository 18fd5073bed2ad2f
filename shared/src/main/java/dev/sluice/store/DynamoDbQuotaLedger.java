package dev.sluice.store;

import dev.sluice.aws.AwsFailures;
import dev.sluice.quota.QuotaLedger;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Counters in DynamoDB. One conditional {@code UpdateItem ... ADD} takes a unit only while the counter is below
 * the limit; DynamoDB serialises updates to an item, so concurrent instances can never admit more than the limit.
 * Items carry a TTL attribute so old windows disappear on their own.
 */
public final class DynamoDbQuotaLedger implements QuotaLedger {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbQuotaLedger(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public boolean tryTake(String counter, long amount, long limit, Instant expiresAt) {
        try {
            dynamo.updateItem(reserveRequest(table, counter, amount, limit, expiresAt));
            return true;
        } catch (ConditionalCheckFailedException limitReached) {
            return false;
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    /**
     * The conditional update that takes {@code amount} from {@code counter}; SnapStart priming builds it here too,
     * so the two cannot drift.
     */
    public static UpdateItemRequest reserveRequest(
            String table, String counter, long amount, long limit, Instant expiresAt) {
        return UpdateItemRequest.builder()
                .tableName(table)
                .key(Map.of(SluiceTables.COUNTER, Attributes.s(counter)))
                .updateExpression("ADD #used :amount SET #expires = if_not_exists(#expires, :expires)")
                .conditionExpression("attribute_not_exists(#used) OR #used <= :headroom")
                .expressionAttributeNames(Map.of("#used", "used", "#expires", SluiceTables.EXPIRES_AT))
                .expressionAttributeValues(Map.of(
                        ":amount", Attributes.n(amount),
                        ":headroom", Attributes.n(limit - amount),
                        ":expires", Attributes.n(expiresAt.getEpochSecond())))
                .build();
    }
}
