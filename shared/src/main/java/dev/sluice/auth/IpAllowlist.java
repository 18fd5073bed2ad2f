package dev.sluice.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable set of IPv4 and IPv6 CIDR blocks a client address must fall in.
 *
 * <p>Tenants and API keys can carry one so that a leaked key is useless outside the networks its owner calls from. The
 * client address is the one the gateway saw: {@code requestContext.identity.sourceIp} from API Gateway when running in
 * Lambda, or the socket's remote address when running locally. An empty list ({@link #ANY}) allows everyone, which is
 * what tenants and keys without a list get.
 *
 * <p>Entries are parsed once, when a tenant or key is loaded, into a network byte array and a prefix length; host bits
 * beyond the prefix are masked off ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), as most gateways do. Parsing never
 * resolves names: a host name is an invalid entry, not a DNS lookup on the request path.
 *
 * <p>Cost: {@link #allows} parses the client address once (IPv4 by hand into a 4-byte array, IPv6 through the JDK's
 * literal parser) and then compares at most {@code prefix / 8 + 1} bytes per block, with no other allocation. IPv4-mapped IPv6 client addresses
 * ({@code ::ffff:203.0.113.7}) are matched as the IPv4 address they carry, since dual-stack sockets report IPv4 clients
 * that way. Anything the list cannot parse is refused (fail closed).
 */
public final class IpAllowlist {

    /** The empty list: every client is allowed. */
    public static final IpAllowlist ANY = new IpAllowlist(new byte[0][], new int[0], List.of());

    private final byte[][] networks;
    private final int[] prefixes;
    private final List<String> cidrs;

    private IpAllowlist(byte[][] networks, int[] prefixes, List<String> cidrs) {
        this.networks = networks;
        this.prefixes = prefixes;
        this.cidrs = cidrs;
    }

    /**
     * Parses CIDR blocks ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) and bare addresses ({@code 203.0.113.7} meaning
     * /32, {@code ::1} meaning /128). Duplicates (after masking) are kept once.
     *
     * @throws IllegalArgumentException naming the first entry that is not an IP literal with a valid prefix length
     */
    public static IpAllowlist parse(Collection<String> entries) {
        Objects.requireNonNull(entries, "entries");
        if (entries.isEmpty()) {
            return ANY;
        }
        Map<String, Block> blocks = new LinkedHashMap<>();
        for (String entry : entries) {
            Block block = parseEntry(entry);
            blocks.putIfAbsent(block.text(), block);
        }
        byte[][] networks = new byte[blocks.size()][];
        int[] prefixes = new int[blocks.size()];
        int i = 0;
        for (Block block : blocks.values()) {
            networks[i] = block.network();
            prefixes[i] = block.prefix();
            i++;
        }
        return new IpAllowlist(networks, prefixes, List.copyOf(blocks.keySet()));
    }

    /** True when there are no blocks, so every client is allowed. */
    public boolean isEmpty() {
        return networks.length == 0;
    }

    /**
     * Whether a client at this address may call. Always true for an empty list; otherwise the address must fall in a
     * block, and a null, blank or unparseable address is refused. Brackets ({@code [::1]}) and IPv6 zone ids
     * ({@code fe80::1%eth0}) are stripped first.
     */
    public boolean allows(String clientAddress) {
        if (networks.length == 0) {
            return true;
        }
        byte[] address = parseClient(clientAddress);
        if (address == null) {
            return false;
        }
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == address.length && matches(networks[i], prefixes[i], address)) {
                return true;
            }
        }
        return false;
    }

    /** The blocks in normalised text form ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), for storage and printing. */
    public List<String> cidrs() {
        return cidrs;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IpAllowlist that && Set.copyOf(cidrs).equals(Set.copyOf(that.cidrs));
    }

    @Override
    public int hashCode() {
        return Set.copyOf(cidrs).hashCode();
    }

    @Override
    public String toString() {
        return "IpAllowlist" + cidrs;
    }

    private static boolean matches(byte[] network, int prefix, byte[] address) {
        int fullBytes = prefix >>> 3;
        for (int b = 0; b < fullBytes; b++) {
            if (network[b] != address[b]) {
                return false;
            }
        }
        int remainingBits = prefix & 7;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (network[fullBytes] & mask) == (address[fullBytes] & mask);
    }

    private record Block(byte[] network, int prefix, String text) {}

    private static Block parseEntry(String entry) {
        if (entry == null) {
            throw new IllegalArgumentException("invalid IP allowlist entry: null");
        }
        String text = entry.trim();
        if (text.isEmpty()) {
            throw invalid(entry, "empty");
        }
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] address = parseLiteral(addressText);
        if (address == null) {
            throw invalid(entry, "not an IPv4 or IPv6 address (host names are not allowed)");
        }
        // The JDK turns ::ffff:a.b.c.d into the IPv4 address, so an IPv6-written prefix must be moved into IPv4 terms.
        boolean writtenAsIpv6 = addressText.indexOf(':') >= 0;
        int maxPrefix = writtenAsIpv6 ? 128 : 32;
        int prefix = slash < 0 ? maxPrefix : parsePrefix(entry, text.substring(slash + 1), maxPrefix);
        if (writtenAsIpv6 && address.length == 4) {
            if (prefix >= 96) {
                prefix -= 96;
            } else {
                address = mappedToIpv6(address);
            }
        }
        byte[] network = mask(address, prefix);
        return new Block(network, prefix, format(network) + "/" + prefix);
    }

    private static int parsePrefix(String entry, String text, int maxPrefix) {
        if (text.isEmpty() || text.length() > 3 || !allDigits(text)) {
            throw invalid(entry, "prefix length must be a number from 0 to " + maxPrefix);
        }
        int prefix = Integer.parseInt(text);
        if (prefix > maxPrefix) {
            throw invalid(entry, "prefix length must be a number from 0 to " + maxPrefix);
        }
        return prefix;
    }

    private static IllegalArgumentException invalid(String entry, String reason) {
        return new IllegalArgumentException("invalid IP allowlist entry '" + entry + "': " + reason);
    }

    private static byte[] parseClient(String clientAddress) {
        if (clientAddress == null) {
            return null;
        }
        String text = clientAddress.trim();
        if (text.length() > 2 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']') {
            text = text.substring(1, text.length() - 1);
        }
        int zone = text.indexOf('%');
        if (zone >= 0 && text.indexOf(':') >= 0) {
            text = text.substring(0, zone);
        }
        return parseLiteral(text);
    }

    /**
     * Parses an IPv4 or IPv6 literal into 4 or 16 bytes (4 for IPv4-mapped IPv6), or returns null. Never does a DNS
     * lookup: IPv4 is parsed here (strict dotted quad, so the JDK's legacy forms like {@code 1.2.3} are refused), and
     * IPv6 text is checked to hold only hex digits, ':' and '.', then handed to the JDK in brackets, which makes it
     * parse the text as an IPv6 literal or fail without resolving it.
     */
    private static byte[] parseLiteral(String text) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text);
        }
        if (text.length() > 45) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ':' && c != '.' && Character.digit(c, 16) < 0) {
                return null;
            }
        }
        try {
            return InetAddress.getByName("[" + text + "]").getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] parseIpv4(String text) {
        byte[] bytes = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                // No empty parts and no leading zeros, which some parsers read as octal.
                if (digits == 0 || part == 4 || (digits > 1 && text.charAt(i - digits) == '0')) {
                    return null;
                }
                bytes[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? bytes : null;
    }

    private static boolean allDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static byte[] mappedToIpv6(byte[] ipv4) {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xFF;
        bytes[11] = (byte) 0xFF;
        System.arraycopy(ipv4, 0, bytes, 12, 4);
        return bytes;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] network = address.clone();
        for (int b = 0; b < network.length; b++) {
            int bitsInByte = Math.max(0, Math.min(8, prefix - b * 8));
            network[b] &= (byte) ((0xFF << (8 - bitsInByte)) & 0xFF);
        }
        return network;
    }

    /** Dotted quad for IPv4; RFC 5952 form (lower case, longest run of zero groups as "::") for IPv6. */
    private static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "."
                    + (address[3] & 0xFF);
        }
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = ((address[2 * g] & 0xFF) << 8) | (address[2 * g + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                text.append("::");
                g += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[g]));
        }
        return text.toString();
    }
}
