package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.error.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmbeddingRequestTest {

    private static EmbeddingRequest parse(String json) {
        return EmbeddingRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"model\":\"m\",\"input\":\"hi\"}                         | 1 | true  | false | 0",
                "{\"model\":\"m\",\"input\":[\"a\",\"b\",\"c\"]}            | 3 | true  | false | 0",
                "{\"model\":\"m\",\"input\":[1,2,3]}                        | 1 | false | false | 0",
                "{\"model\":\"m\",\"input\":[[1,2],[3]]}                    | 2 | false | false | 0",
                "{\"model\":\"m\",\"input\":\"hi\",\"encoding_format\":\"base64\",\"dimensions\":256} | 1 | true | true | 256"
            })
    void parse_acceptsEveryInputShapeOpenAiTakes(String json, int count, boolean text, boolean base64, int dims) {
        EmbeddingRequest request = parse(json);

        assertThat(request.model()).isEqualTo("m");
        assertThat(request.inputCount()).isEqualTo(count);
        assertThat(request.texts() != null).isEqualTo(text);
        assertThat(request.base64()).isEqualTo(base64);
        assertThat(request.dimensions()).isEqualTo(dims);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"input\":\"hi\"}                                  | model",
                "{\"model\":\"\",\"input\":\"hi\"}                   | model",
                "{\"model\":\"m\"}                                   | input",
                "{\"model\":\"m\",\"input\":[]}                      | input",
                "{\"model\":\"m\",\"input\":[\"a\",1]}               | input",
                "{\"model\":\"m\",\"input\":[\"\"]}                  | input",
                "{\"model\":\"m\",\"input\":[1,-2]}                  | input",
                "{\"model\":\"m\",\"input\":[[1],[]]}                | input",
                "{\"model\":\"m\",\"input\":{\"a\":1}}               | input",
                "{\"model\":\"m\",\"input\":[true]}                  | input",
                "{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"int8\"} | encoding_format",
                "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":0}  | dimensions",
                "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":1.5} | dimensions"
            })
    void parse_badInput_is400NamingTheParameter(String json, String param) {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> parse(json));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo(param);
    }
}
