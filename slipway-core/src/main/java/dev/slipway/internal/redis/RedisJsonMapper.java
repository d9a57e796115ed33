package dev.slipway.internal.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one Jackson mapper for what RedisJSON holds: {@code JSON.GET} replies and the values taken out of them.
 * Jackson's default read limits stop at a string of 20,000,000 chars and a member name of 50,000, while RedisJSON
 * keeps both up to Redis's 512 MB, so a default mapper refused documents the server holds and a JSON rewrite failed
 * with an "unexpected" error that no re-run could pass (tester session 55 R49 T2 F5). Nesting keeps Jackson's 1000
 * levels: RedisJSON refuses a document nested deeper than 128.
 */
public final class RedisJsonMapper {
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            .build()).build();

    private RedisJsonMapper() {
    }

    /** The mapper; thread-safe, as long as nobody configures it. */
    public static ObjectMapper get() {
        return MAPPER;
    }
}
