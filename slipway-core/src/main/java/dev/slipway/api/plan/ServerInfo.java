package dev.slipway.api.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.slipway.internal.redis.Unanswered;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What Slipway knows about the server an index lives on.
 *
 * @param redisVersion  {@code redis_version} from {@code INFO server}
 * @param searchVersion the Search module version as the server reports it ({@code 21005} is 2.10.5;
 *                      {@code 0} when the module is missing; {@link #UNKNOWN} when the server did not answer
 *                      {@code MODULE LIST})
 * @param jsonVersion   the JSON module version ({@code 0} when missing; {@link #UNKNOWN} as above)
 * @param memory        its memory and limit ({@code INFO memory}); empty when the user may not read it (or in plans
 *                      written before this was recorded)
 * @param unknownCommands the commands the server answered "unknown command" to while the plan was made (renamed or
 *                      disabled with {@code rename-command}, such as {@code CONFIG} on managed services), upper case
 *                      and sorted; the plan's messages then say so instead of blaming the user's rights
 * @param commandErrors the errors other than those and a refusal ({@code NOPERM}) that the reads the plan can do
 *                      without ({@code INFO}, {@code CONFIG}, {@code MODULE}, {@code OBJECT}, {@code ROLE}) got while
 *                      the plan was made, by command name: a proxy's "not supported", a {@code BUSY} script that
 *                      outlasted the retries; the plan's messages quote them. Absent from the file when there are
 *                      none, so that plans written before it keep their ids.
 */
public record ServerInfo(String redisVersion, int searchVersion, int jsonVersion,
                         @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Memory> memory,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY)
                         @JsonSetter(nulls = Nulls.AS_EMPTY) List<String> unknownCommands,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY)
                         @JsonSetter(nulls = Nulls.AS_EMPTY) Map<String, String> commandErrors) {
    /** The reads a plan can do without, whose errors it records ({@link #commandErrors}). */
    public static final List<String> OPTIONAL_READS = List.of("CONFIG", "INFO", "MODULE", "OBJECT", "ROLE");

    /** Reads a missing memory as empty, and missing unknown commands and errors as none. */
    public ServerInfo {
        memory = memory == null ? Optional.empty() : memory;
        unknownCommands = unknownCommands == null ? List.of() : List.copyOf(unknownCommands);
        commandErrors = commandErrors == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(commandErrors));
    }

    /** A server whose memory is not known. */
    public ServerInfo(String redisVersion, int searchVersion, int jsonVersion) {
        this(redisVersion, searchVersion, jsonVersion, Optional.empty());
    }

    /** A server that answered every command asked. */
    public ServerInfo(String redisVersion, int searchVersion, int jsonVersion, Optional<Memory> memory) {
        this(redisVersion, searchVersion, jsonVersion, memory, List.of(), Map.of());
    }

    /** A copy with the commands the server answered "unknown command" to. */
    public ServerInfo withUnknownCommands(List<String> commands) {
        return new ServerInfo(redisVersion, searchVersion, jsonVersion, memory, commands, commandErrors);
    }

    /** A copy with the other errors the reads the plan can do without got ({@link #commandErrors}). */
    public ServerInfo withCommandErrors(Map<String, String> errors) {
        return new ServerInfo(redisVersion, searchVersion, jsonVersion, memory, unknownCommands, errors);
    }

    /**
     * Why the server did not answer {@code commandText} ({@code INFO memory}) when the plan was made: "the server has
     * no INFO command (renamed or disabled)", "the server answered INFO memory with an error (...)", or "the server
     * refuses INFO memory to this user".
     */
    public String unanswered(String commandText) {
        return Unanswered.why(commandText, unknownCommands, commandErrors);
    }

    /**
     * The server's memory.
     *
     * @param usedBytes {@code used_memory}
     * @param maxBytes  {@code maxmemory}; 0 for no limit
     * @param policy    {@code maxmemory_policy} ({@code noeviction}, {@code allkeys-lru}, ...)
     * @param hashListpackValue {@code hash-max-listpack-value}, the longest value a small hash keeps in its listpack;
     *                  0 when it could not be read (an ACL refusing CONFIG; plans written before it was recorded),
     *                  which is taken for the server's default
     */
    public record Memory(long usedBytes, long maxBytes, String policy,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                         @JsonSetter(nulls = Nulls.AS_EMPTY) int hashListpackValue) { // absent: 0 (R14 M1)
        /** The server's default {@code hash-max-listpack-value}. */
        public static final int DEFAULT_HASH_LISTPACK_VALUE = 64;

        /** Memory whose listpack limit is not known. */
        public Memory(long usedBytes, long maxBytes, String policy) {
            this(usedBytes, maxBytes, policy, 0);
        }

        /** Whether the server evicts keys at its limit (a policy other than {@code noeviction}). */
        public boolean evicts() {
            return !policy.equals("noeviction");
        }

        /** The listpack limit, the server's default when not known. */
        public int listpackLimit() {
            return hashListpackValue > 0 ? hashListpackValue : DEFAULT_HASH_LISTPACK_VALUE;
        }

        /** A copy with the listpack limit read. */
        public Memory withHashListpackValue(int value) {
            return new Memory(usedBytes, maxBytes, policy, value);
        }
    }

    /** The server's {@code hash-max-listpack-value}, its default when not known. */
    public int listpackLimit() {
        return memory.map(Memory::listpackLimit).orElse(Memory.DEFAULT_HASH_LISTPACK_VALUE);
    }

    /** A module version the server would not tell ({@code MODULE LIST} refused, as under {@code -@dangerous}). */
    public static final int UNKNOWN = -1;

    /** Whether the module versions were read. */
    public boolean modulesKnown() {
        return searchVersion != UNKNOWN;
    }

    /** The Search module version in dotted form ({@code 2.10.5}), or {@code unknown}. */
    public String searchVersionText() {
        if (!modulesKnown()) {
            return "unknown";
        }
        return (searchVersion / 10000) + "." + (searchVersion / 100 % 100) + "." + (searchVersion % 100);
    }

    /** Whether the Search module is at least the given version ({@code major.minor}). */
    public boolean searchAtLeast(int major, int minor) {
        return searchVersion >= major * 10000 + minor * 100;
    }
}
