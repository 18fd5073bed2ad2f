package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.route.Deployment;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Azure OpenAI: the resource endpoint is the route's {@code baseUrl} ({@code https://<resource>.openai.azure.com}),
 * the route's model is the Azure <em>deployment</em> name, and the API version comes from option {@code apiVersion}
 * (default {@value #DEFAULT_API_VERSION}; {@code v1} selects Azure's version-less {@code /openai/v1} API).
 *
 * <p>Authentication by option {@code auth}: {@code api-key} (default) sends the secret in the {@code api-key} header;
 * {@code entra} treats the secret as a service principal ({@code {"tenantId","clientId","clientSecret"}}) and sends
 * a Microsoft Entra ID bearer token obtained and cached by {@link EntraTokenSource} (sovereign clouds: set options
 * {@code authorityHost} and {@code scope}).
 */
public final class AzureOpenAiDialect implements OpenAiDialect {
    public static final String TYPE = "azure-openai";
    public static final String DEFAULT_API_VERSION = "2024-10-21";
    /** Fields the GA data-plane API rejects. */
    private static final Set<String> DROPPED =
            Set.of("store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier", "verbosity");

    private final EntraTokenSource entra;

    public AzureOpenAiDialect(EntraTokenSource entra) {
        this.entra = entra;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public URI uri(Deployment deployment, String operation) {
        String endpoint = deployment.baseUrlOr("");
        if (endpoint.isEmpty()) {
            throw GatewayException.internal(new IllegalStateException("azure-openai deployment "
                    + deployment.upstreamModel() + " needs baseUrl https://<resource>.openai.azure.com"));
        }
        String version = deployment.option("apiVersion", DEFAULT_API_VERSION);
        if (version.equals("v1")) {
            return URI.create(endpoint + "/openai/v1/" + operation);
        }
        return URI.create(endpoint + "/openai/deployments/"
                + URLEncoder.encode(deployment.upstreamModel(), StandardCharsets.UTF_8) + "/" + operation
                + "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
    }

    @Override
    public void authenticate(HttpRequest.Builder request, Deployment deployment, String credential) {
        if (credential == null) {
            return;
        }
        if (deployment.option("auth", "api-key").equals("entra")) {
            request.header(
                    "Authorization",
                    "Bearer "
                            + entra.token(
                                    credential,
                                    deployment.option("authorityHost", EntraTokenSource.PUBLIC_AUTHORITY),
                                    deployment.option("scope", EntraTokenSource.PUBLIC_SCOPE)));
        } else {
            request.header("api-key", credential);
        }
    }

    @Override
    public void adapt(ObjectNode body) {
        body.remove(DROPPED);
    }
}
