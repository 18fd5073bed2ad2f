package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAllowlistTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.0.0.0, true",
        "10.0.0.0/8, 10.255.255.255, true",
        "10.0.0.0/8, 11.0.0.0, false",
        "10.0.0.0/8, 9.255.255.255, false",
        "192.168.1.0/24, 192.168.1.255, true",
        "192.168.1.0/24, 192.168.2.0, false",
        "203.0.113.7/32, 203.0.113.7, true",
        "203.0.113.7/32, 203.0.113.8, false",
        "203.0.113.7, 203.0.113.7, true",
        "10.1.2.3/8, 10.200.0.1, true",
        "172.16.0.0/12, 172.31.255.255, true",
        "172.16.0.0/12, 172.32.0.0, false",
        "0.0.0.0/0, 8.8.8.8, true",
        "2001:db8::/32, 2001:db8:ffff::1, true",
        "2001:db8::/32, 2001:db9::1, false",
        "2001:db8:1:2::/64, 2001:db8:1:2:ffff:ffff:ffff:ffff, true",
        "2001:db8:1:2::/64, 2001:db8:1:3::, false",
        "::1/128, ::1, true",
        "::1, ::1, true",
        "::1/128, ::2, false",
        "::/0, 2001:db8::1, true",
        "::/0, 10.0.0.1, false",
        "203.0.113.0/24, ::ffff:203.0.113.9, true",
        "fe80::/10, fe80::1%eth0, true",
        "::1/128, [::1], true",
        "10.0.0.0/8, 2001:db8::1, false",
    })
    void allows_matchesTheBlock(String cidr, String client, boolean allowed) {
        assertThat(IpAllowlist.parse(List.of(cidr)).allows(client)).isEqualTo(allowed);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0/33",
                "::/129",
                "abc",
                "example.com",
                "1.2.3",
                "10.0.0.0/-1",
                "",
                "256.0.0.1",
                "10.0.0.0/"
            })
    void parse_notAnAddressOrBlock_isRejected(String entry) {
        assertThatThrownBy(() -> IpAllowlist.parse(List.of(entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }

    @Test
    void anEmptyList_allowsEveryone_andAListFailsClosedOnUnknownAddresses() {
        assertThat(IpAllowlist.parse(List.of()).allows(null)).isTrue();
        IpAllowlist office = IpAllowlist.parse(List.of("10.0.0.0/8"));

        assertThat(office.allows(null)).isFalse();
        assertThat(office.allows(" ")).isFalse();
        assertThat(office.allows("not-an-address")).isFalse();
    }

    @Test
    void cidrs_areNormalised() {
        assertThat(IpAllowlist.parse(List.of("10.1.2.3/8", "203.0.113.7", "2001:db8::1/32"))
                        .cidrs())
                .containsExactly("10.0.0.0/8", "203.0.113.7/32", "2001:db8:0:0:0:0:0:0/32");
    }
}
