package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAllowlistTest {

    private static IpAllowlist of(String... entries) {
        return IpAllowlist.parse(Arrays.asList(entries));
    }

    @ParameterizedTest(name = "{0} allows {1}: {2}")
    @CsvSource({
        // /8: first and last address in, and just outside on each side
        "10.0.0.0/8,      10.0.0.0,        true",
        "10.0.0.0/8,      10.255.255.255,  true",
        "10.0.0.0/8,      9.255.255.255,   false",
        "10.0.0.0/8,      11.0.0.0,        false",
        // /24
        "192.168.1.0/24,  192.168.1.0,     true",
        "192.168.1.0/24,  192.168.1.255,   true",
        "192.168.1.0/24,  192.168.0.255,   false",
        "192.168.1.0/24,  192.168.2.0,     false",
        // a prefix that is not a whole number of bytes
        "172.16.0.0/12,   172.16.0.0,      true",
        "172.16.0.0/12,   172.31.255.255,  true",
        "172.16.0.0/12,   172.15.255.255,  false",
        "172.16.0.0/12,   172.32.0.0,      false",
        // /32
        "203.0.113.7/32,  203.0.113.7,     true",
        "203.0.113.7/32,  203.0.113.6,     false",
        "203.0.113.7/32,  203.0.113.8,     false",
        // /0 allows every IPv4 address, but not IPv6 ones
        "0.0.0.0/0,       0.0.0.0,         true",
        "0.0.0.0/0,       255.255.255.255, true",
        "0.0.0.0/0,       2001:db8::1,     false",
        // host bits beyond the prefix are masked off
        "10.1.2.3/8,      10.200.0.1,      true",
        "10.1.2.3/8,      11.1.2.3,        false",
    })
    void allows_ipv4Blocks_matchesFirstAndLastAddressOnly(String cidr, String client, boolean allowed) {
        assertThat(of(cidr).allows(client)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0} allows {1}: {2}")
    @CsvSource({
        // /32
        "2001:db8::/32,          2001:db8::,                               true",
        "2001:db8::/32,          2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,   true",
        "2001:db8::/32,          2001:db7:ffff:ffff:ffff:ffff:ffff:ffff,   false",
        "2001:db8::/32,          2001:db9::,                               false",
        // /64
        "2001:db8:1:2::/64,      2001:db8:1:2::,                           true",
        "2001:db8:1:2::/64,      2001:db8:1:2:ffff:ffff:ffff:ffff,         true",
        "2001:db8:1:2::/64,      2001:db8:1:1:ffff:ffff:ffff:ffff,         false",
        "2001:db8:1:2::/64,      2001:db8:1:3::,                           false",
        // /128
        "2001:db8::7/128,        2001:db8::7,                              true",
        "2001:db8::7/128,        2001:db8::6,                              false",
        "2001:db8::7/128,        2001:db8::8,                              false",
        // a prefix that is not a whole number of bytes
        "2001:db8::/29,          2001:dbf:ffff::,                          true",
        "2001:db8::/29,          2001:dc0::,                               false",
        // /0 allows every IPv6 address, but not IPv4 ones
        "::/0,                   ::,                                       true",
        "::/0,                   ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,  true",
        "::/0,                   10.0.0.1,                                 false",
        // upper case and full forms are the same addresses
        "2001:DB8::/32,          2001:0DB8:0000:0000:0000:0000:0000:0001,  true",
    })
    void allows_ipv6Blocks_matchesFirstAndLastAddressOnly(String cidr, String client, boolean allowed) {
        assertThat(of(cidr).allows(client)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0} allows {1}: {2}")
    @CsvSource({
        "203.0.113.0/24,        ::ffff:203.0.113.7,   true",
        "203.0.113.0/24,        ::FFFF:cb00:7107,     true",
        "203.0.113.0/24,        [::ffff:203.0.113.7], true",
        "203.0.113.0/24,        ::ffff:203.0.114.7,   false",
        // an allowlist entry written as IPv4-mapped IPv6 is the IPv4 block
        "::ffff:203.0.113.0/120, 203.0.113.7,         true",
        "::ffff:203.0.113.0/120, 203.0.114.7,         false",
        // IPv4-compatible (deprecated) addresses are plain IPv6, not IPv4
        "203.0.113.0/24,        ::203.0.113.7,        false",
    })
    void allows_ipv4MappedIpv6Address_matchesIpv4Blocks(String cidr, String client, boolean allowed) {
        assertThat(of(cidr).allows(client)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0} allows {1}: {2}")
    @CsvSource({
        "fe80::/64,      fe80::1%eth0,       true",
        "fe80::/64,      fe80::1%25,         true",
        "fe80::/64,      [fe80::1%eth0],     true",
        "::1,            [::1],              true",
        "::1,            ' [::1] ',          true",
        "::1,            [::2],              false",
        "203.0.113.7,    [203.0.113.7],      true",
        "fe80::/64,      fe81::1%eth0,       false",
    })
    void allows_zoneIdsAndBrackets_areStripped(String cidr, String client, boolean allowed) {
        assertThat(of(cidr).allows(client)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "203.0.113.7,            203.0.113.7/32",
        "::1,                    ::1/128",
        "10.1.2.3/8,             10.0.0.0/8",
        "' 10.0.0.0/8 ',         10.0.0.0/8",
        "0.0.0.0/0,              0.0.0.0/0",
        "2001:DB8:0:0:0:0:0:1,   2001:db8::1/128",
        "2001:db8:ab:cd::/32,    2001:db8::/32",
        "2001:db8:0:0:1:0:0:1,   2001:db8::1:0:0:1/128",
        "2001:0:0:1:0:0:0:1,     2001:0:0:1::1/128",
        "1:0:2:0:3:0:4:0,        1:0:2:0:3:0:4:0/128",
        "::ffff:10.0.0.0/104,    10.0.0.0/8",
        "::ffff:10.0.0.0/80,     ::/80",
        "::/0,                   ::/0",
    })
    void parse_entry_isNormalised(String entry, String normalised) {
        assertThat(of(entry).cidrs()).containsExactly(normalised);
    }

    @Test
    void parse_bareAddressEntries_matchOnlyThatAddress() {
        IpAllowlist list = of("203.0.113.7", "2001:db8::7");

        assertThat(list.allows("203.0.113.7")).isTrue();
        assertThat(list.allows("203.0.113.8")).isFalse();
        assertThat(list.allows("2001:db8::7")).isTrue();
        assertThat(list.allows("2001:db8::8")).isFalse();
    }

    @Test
    void allows_severalBlocks_anyOfThemMatches() {
        IpAllowlist list = of("10.0.0.0/8", "2001:db8::/32", "203.0.113.7");

        assertThat(list.allows("10.9.8.7")).isTrue();
        assertThat(list.allows("2001:db8::42")).isTrue();
        assertThat(list.allows("203.0.113.7")).isTrue();
        assertThat(list.allows("192.0.2.1")).isFalse();
        assertThat(list.allows("2001:db9::1")).isFalse();
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(
            strings = {
                "10.0.0.0/33",
                "::/129",
                "abc",
                "example.com",
                "localhost",
                "1.2.3",
                "1.2.3.4.5",
                "256.0.0.0",
                "010.0.0.1",
                "10.0.0.0/-1",
                "10.0.0.0/+8",
                "10.0.0.0/",
                "10.0.0.0/8/8",
                "10.0.0.0/abc",
                "10.0.0.0/0008",
                "/8",
                "",
                "   ",
                "1::2::3",
                "2001:db8::g",
                "fe80::1%eth0",
                "[::1]",
                ".:",
                "::ffff:1.2.3",
            })
    void parse_invalidEntry_throwsNamingIt(String entry) {
        assertThatThrownBy(() -> of("10.0.0.0/8", entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }

    @Test
    void parse_nullEntry_throws() {
        assertThatThrownBy(() -> of("10.0.0.0/8", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parse_emptyList_isAnyAndAllowsEveryone() {
        IpAllowlist list = IpAllowlist.parse(List.of());

        assertThat(list).isSameAs(IpAllowlist.ANY);
        assertThat(list.isEmpty()).isTrue();
        assertThat(list.cidrs()).isEmpty();
        assertThat(list.allows("203.0.113.7")).isTrue();
        assertThat(list.allows("2001:db8::1")).isTrue();
        assertThat(list.allows(null)).isTrue();
        assertThat(list.allows("not an address")).isTrue();
    }

    @ParameterizedTest(name = "''{0}''")
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "   ",
                "garbage",
                "example.com",
                "10.0.0",
                "10.0.0.1.2",
                "10.0.0.1:443",
                "[::1]:443",
                "::ffff:10.0.0.1.2",
                "10.0.0.1/8",
                "[]",
                "[",
                "%eth0",
                "10.0.0.1%eth0",
            })
    void allows_nonEmptyListAndNullBlankOrGarbageAddress_isFalse(String client) {
        IpAllowlist list = of("0.0.0.0/0", "::/0");

        assertThat(list.isEmpty()).isFalse();
        assertThat(list.allows(client)).isFalse();
    }

    @Test
    void parse_duplicateBlocksAfterMasking_areKeptOnce() {
        IpAllowlist list = of("10.1.2.3/8", "10.0.0.0/8", "2001:db8::/32");

        assertThat(list.cidrs()).containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThat(list)
                .isEqualTo(of("2001:db8::/32", "10.0.0.0/8"))
                .hasSameHashCodeAs(of("2001:db8::/32", "10.0.0.0/8"));
        assertThat(list.toString()).contains("10.0.0.0/8", "2001:db8::/32");
    }

    @Test
    void cidrs_isUnmodifiable() {
        assertThatThrownBy(() -> of("10.0.0.0/8").cidrs().add("0.0.0.0/0"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
