package dev.sluice.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The CIDR blocks (IPv4 and IPv6) a client address must fall in, for a tenant or a key; empty means anywhere. The
 * address is what the HTTP layer determined: API Gateway's request context in Lambda, the socket locally.
 *
 * <p>Entries are literals only, never host names, so parsing never resolves anything; host bits past the prefix are
 * ignored ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), and an IPv4-mapped IPv6 client ({@code ::ffff:203.0.113.7})
 * matches IPv4 blocks. Cost per check: one parse of the client address and a prefix compare per block.
 */
public final class IpAllowlist {
    public static final IpAllowlist ANY = new IpAllowlist(List.of());

    private final List<Block> blocks;

    private IpAllowlist(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /** @throws IllegalArgumentException naming the first entry that is not an address or a CIDR block */
    public static IpAllowlist parse(Collection<String> cidrs) {
        if (cidrs == null || cidrs.isEmpty()) {
            return ANY;
        }
        List<Block> blocks = new ArrayList<>(cidrs.size());
        for (String cidr : cidrs) {
            blocks.add(Block.parse(cidr));
        }
        return new IpAllowlist(blocks);
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** True for any address when the list is empty; otherwise only for an address inside a block (fail closed). */
    public boolean allows(String clientAddress) {
        if (blocks.isEmpty()) {
            return true;
        }
        byte[] address = literal(clientAddress);
        if (address == null) {
            return false;
        }
        for (Block block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The blocks in their normal form ({@code 10.0.0.0/8}), for storage and display. */
    public List<String> cidrs() {
        return blocks.stream().map(Block::toString).toList();
    }

    @Override
    public String toString() {
        return cidrs().toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IpAllowlist that && cidrs().equals(that.cidrs());
    }

    @Override
    public int hashCode() {
        return cidrs().hashCode();
    }

    /** An address literal as 4 or 16 bytes (IPv4-mapped IPv6 as 4), or null when the text is not one. */
    static byte[] literal(String text) {
        if (text == null) {
            return null;
        }
        String value = text.strip();
        if (value.startsWith("[") && value.endsWith("]")) {
            value = value.substring(1, value.length() - 1);
        }
        int zone = value.indexOf('%');
        if (zone >= 0) {
            value = value.substring(0, zone);
        }
        if (value.isEmpty() || !isLiteral(value)) {
            return null;
        }
        try {
            return InetAddress.getByName(value).getAddress(); // a literal: no lookup; mapped IPv6 comes back as IPv4
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Digits and dots (IPv4, four parts), or hex digits, colons and dots with at least one colon (IPv6). */
    private static boolean isLiteral(String value) {
        if (value.indexOf(':') >= 0) {
            return value.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                return false;
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** One CIDR block: the network bytes (host bits cleared) and the prefix length. */
    private record Block(byte[] network, int prefix) {
        static Block parse(String cidr) {
            String text = cidr == null ? "" : cidr.strip();
            int slash = text.indexOf('/');
            byte[] address = literal(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("not an IP address or CIDR block: '" + cidr + "'");
            }
            int bits = address.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String length = text.substring(slash + 1);
                if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("bad prefix length in '" + cidr + "'");
                }
                prefix = Integer.parseInt(length);
                if (prefix > bits) {
                    throw new IllegalArgumentException("prefix length over " + bits + " in '" + cidr + "'");
                }
            }
            byte[] network = address.clone();
            for (int bit = prefix; bit < bits; bit++) {
                network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            return new Block(network, prefix);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[whole] & mask) == (network[whole] & mask);
        }

        @Override
        public String toString() {
            try {
                String host = InetAddress.getByAddress(network).getHostAddress();
                return host + "/" + prefix;
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 or 16 bytes are always an address", e);
            }
        }
    }
}
