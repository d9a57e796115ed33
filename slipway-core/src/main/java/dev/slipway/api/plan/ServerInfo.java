package dev.slipway.api.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Optional;

/**
 * What Slipway knows about the server an index lives on.
 *
 * @param redisVersion  {@code redis_version} from {@code INFO server}
 * @param searchVersion the Search module version as the server reports it ({@code 21005} is 2.10.5;
 *                      {@code 0} when the module is missing)
 * @param jsonVersion   the JSON module version ({@code 0} when missing)
 * @param memory        its memory and limit ({@code INFO memory}); empty when the user may not read it (or in plans
 *                      written before this was recorded)
 */
public record ServerInfo(String redisVersion, int searchVersion, int jsonVersion,
                         @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Memory> memory) {

    /** Reads a missing memory as empty. */
    public ServerInfo {
        memory = memory == null ? Optional.empty() : memory;
    }

    /** A server whose memory is not known. */
    public ServerInfo(String redisVersion, int searchVersion, int jsonVersion) {
        this(redisVersion, searchVersion, jsonVersion, Optional.empty());
    }

    /**
     * The server's memory.
     *
     * @param usedBytes {@code used_memory}
     * @param maxBytes  {@code maxmemory}; 0 for no limit
     * @param policy    {@code maxmemory_policy} ({@code noeviction}, {@code allkeys-lru}, ...)
     */
    public record Memory(long usedBytes, long maxBytes, String policy) {
    }

    /** The Search module version in dotted form ({@code 2.10.5}). */
    public String searchVersionText() {
        return (searchVersion / 10000) + "." + (searchVersion / 100 % 100) + "." + (searchVersion % 100);
    }

    /** Whether the Search module is at least the given version ({@code major.minor}). */
    public boolean searchAtLeast(int major, int minor) {
        return searchVersion >= major * 10000 + minor * 100;
    }
}
