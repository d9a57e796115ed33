package dev.slipway.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RedisCommandTextTest {

    @Test
    void plainArgumentsAreJoinedBySpaces() {
        assertThat(RedisCommandText.format(List.of("FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "p:", "$.a[*]")))
                .isEqualTo("FT.CREATE idx ON HASH PREFIX 1 p: $.a[*]");
    }

    @Test
    void trickyArgumentsAreQuotedWithEscapes() {
        assertThat(RedisCommandText.format(List.of("SET", "", "a b", "say \"hi\"", "c:\\dir", "it's")))
                .isEqualTo("SET \"\" \"a b\" \"say \\\"hi\\\"\" \"c:\\\\dir\" \"it's\"");
        assertThat(RedisCommandText.format(List.of("x\ny", "tab\there", "cr\r", "nul\0", "bell\u0007", "del\u007f")))
                .isEqualTo("\"x\\ny\" \"tab\\there\" \"cr\\r\" \"nul\\x00\" \"bell\\x07\" \"del\\x7f\"");
        assertThat(RedisCommandText.format(List.of("héllo", "日本語", "emoji😀"))).as("printable unicode stays as is")
                .isEqualTo("héllo 日本語 emoji😀");
    }

    @Test
    void aFormattedLineIsOneLine() {
        assertThat(RedisCommandText.format(List.of("a\nb", "c\r\nd", "\u0085"))).doesNotContain("\n", "\r");
    }

    static Stream<List<String>> trickyCommands() {
        return Stream.of(
                List.of(),
                List.of(""),
                List.of("", ""),
                List.of("FT.SEARCH", "idx", "@title:(hello world)", "PARAMS", "2", "vec", "\u0000\u0001\u00ff"),
                List.of(" leading", "trailing ", "  ", "\t"),
                List.of("\"", "\\", "\\\"", "\"\\", "'", "''", "\\x41", "\\n"),
                List.of("line1\nline2", "\r\n", "\u001b[31mred"),
                List.of("ünïcödé", "中文", "𝄞 clef", "\u00a0nbsp", "\u2028sep"),
                List.of("FT.CREATE", "i", "ON", "HASH", "FILTER", "@n > 1 && @s == \"a b\"", "SCHEMA", "t", "TAG",
                        "SEPARATOR", "|"));
    }

    @ParameterizedTest
    @MethodSource("trickyCommands")
    void parseIsTheInverseOfFormat(List<String> args) {
        assertThat(RedisCommandText.parse(RedisCommandText.format(args))).isEqualTo(args);
    }

    @Test
    void randomArgumentsSurviveTheRoundTrip() {
        String alphabet = "aZ09 \"'\\\n\r\t\u0000\u0001\u001f\u007f\u0080é日😀x:$*@{}[]|,;#";
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 5_000; round++) {
            List<String> args = new ArrayList<>();
            int count = random.nextInt(6);
            for (int i = 0; i < count; i++) {
                StringBuilder arg = new StringBuilder();
                int length = random.nextInt(8);
                for (int j = 0; j < length; j++) {
                    int at = random.nextInt(alphabet.length());
                    if (Character.isHighSurrogate(alphabet.charAt(at))) {
                        arg.append(alphabet, at, at + 2);
                    } else if (!Character.isLowSurrogate(alphabet.charAt(at))) {
                        arg.append(alphabet.charAt(at));
                    }
                }
                args.add(arg.toString());
            }
            String line = RedisCommandText.format(args);
            assertThat(RedisCommandText.parse(line)).as("seed %d, line %s", seed, line).isEqualTo(args);
            assertThat(line).as("seed %d", seed).doesNotContain("\n", "\r");
        }
    }

    @Test
    void linesWrittenByHandAreReadLikeRedisCli() {
        assertThat(RedisCommandText.parse("  SET   k   \"v w\"  ")).containsExactly("SET", "k", "v w");
        assertThat(RedisCommandText.parse("ECHO \"\\x41\\x42\" \"\\q\"")).containsExactly("ECHO", "AB", "q");
    }

    @Test
    void brokenQuotingIsRejected() {
        assertThatThrownBy(() -> RedisCommandText.parse("SET k \"unterminated"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unterminated quote");
        assertThatThrownBy(() -> RedisCommandText.parse("SET k \"ends with backslash\\"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unterminated quote");
        assertThatThrownBy(() -> RedisCommandText.parse("SET k \"\\x4"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\\x");
        assertThatThrownBy(() -> RedisCommandText.parse("SET k \"\\xZZ\""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
