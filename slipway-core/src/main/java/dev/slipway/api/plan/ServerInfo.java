package dev.slipway.api.plan;

/**
 * What Slipway knows about the server an index lives on.
 *
 * @param redisVersion  {@code redis_version} from {@code INFO server}
 * @param searchVersion the Search module version as the server reports it ({@code 21005} is 2.10.5;
 *                      {@code 0} when the module is missing)
 * @param jsonVersion   the JSON module version ({@code 0} when missing)
 */
public record ServerInfo(String redisVersion, int searchVersion, int jsonVersion) {

    /** The Search module version in dotted form ({@code 2.10.5}). */
    public String searchVersionText() {
        return (searchVersion / 10000) + "." + (searchVersion / 100 % 100) + "." + (searchVersion % 100);
    }

    /** Whether the Search module is at least the given version ({@code major.minor}). */
    public boolean searchAtLeast(int major, int minor) {
        return searchVersion >= major * 10000 + minor * 100;
    }
}
