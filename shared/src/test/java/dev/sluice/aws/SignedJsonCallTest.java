package dev.sluice.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class SignedJsonCallTest {

    @Test
    void theRegionalEndpointTakesThePartitionsDnsSuffix() {
        assertThat(SignedJsonCall.regionalEndpoint("kinesis", "eu-west-1"))
                .isEqualTo(URI.create("https://kinesis.eu-west-1.amazonaws.com"));
        assertThat(SignedJsonCall.regionalEndpoint("dynamodb", "cn-north-1"))
                .isEqualTo(URI.create("https://dynamodb.cn-north-1.amazonaws.com.cn"));
    }
}
