package dev.slipway.internal.io;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class KeyTextTest {
    @Test
    void printableUtf8StaysAndEveryOtherByteIsEscaped() {
        assertThat(KeyText.shown("doc:caf\u00e9 {tag} \u4e2d".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("doc:caf\u00e9 {tag} \u4e2d");
        assertThat(KeyText.shown(new byte[] {'b', ':', (byte) 0xff, 0, (byte) 0xfe})).isEqualTo("b:\\xff\\x00\\xfe");
        assertThat(KeyText.shown(new byte[] {'b', ':', (byte) 0xfe, 0, (byte) 0xff})).isEqualTo("b:\\xfe\\x00\\xff");
        assertThat(KeyText.shown("b:\u001b[31mred\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("b:\\x1b[31mred\\x0a");
        assertThat(KeyText.shown("a\\x00".getBytes(StandardCharsets.UTF_8))).as("a backslash cannot pose as an escape")
                .isEqualTo("a\\\\x00");
        assertThat(KeyText.shown(new byte[] {(byte) 0xc3})).as("a cut sequence").isEqualTo("\\xc3");
        assertThat(KeyText.shown(new byte[] {(byte) 0xc0, (byte) 0x80})).as("an overlong NUL").isEqualTo("\\xc0\\x80");
        assertThat(KeyText.shown(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).as("a surrogate")
                .isEqualTo("\\xed\\xa0\\x80");
        assertThat(KeyText.shown("x\u200by".getBytes(StandardCharsets.UTF_8))).as("an invisible format character")
                .isEqualTo("x\\xe2\\x80\\x8by");
    }
}
