package dev.sluice.cli;

import dev.sluice.auth.IpAllowlist;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** Which models a tenant or key may use and where its requests may come from; not given means unchanged. */
final class AccessOptions {
    @Option(
            names = "--models",
            paramLabel = "MODEL",
            split = ",",
            description = "Model aliases allowed ('' for every model).")
    List<String> models;

    @Option(
            names = "--allow-ip",
            paramLabel = "CIDR",
            split = ",",
            description = "IPv4/IPv6 addresses or CIDR blocks requests may come from ('' for anywhere).")
    List<String> allowIps;

    boolean anyGiven() {
        return models != null || allowIps != null;
    }

    Set<String> modelsOr(Set<String> current) {
        return models == null ? current : nonBlank(models);
    }

    IpAllowlist allowedIpsOr(IpAllowlist current) {
        if (allowIps == null) {
            return current;
        }
        try {
            return IpAllowlist.parse(nonBlank(allowIps));
        } catch (IllegalArgumentException e) {
            throw new UsageError("--allow-ip: " + e.getMessage());
        }
    }

    static Set<String> nonBlank(Collection<String> words) {
        return words.stream()
                .map(String::strip)
                .filter(word -> !word.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** For tables: the sorted list, or what empty means. */
    static String describe(Collection<String> values, String whenEmpty) {
        return values.isEmpty() ? whenEmpty : values.stream().sorted().collect(Collectors.joining(","));
    }
}
