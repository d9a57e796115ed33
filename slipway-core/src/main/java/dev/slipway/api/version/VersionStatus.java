package dev.slipway.api.version;

/**
 * One physical version of a served name.
 *
 * @param version       version number (0 for the index Slipway found in place)
 * @param physicalIndex physical index name
 * @param state         BUILDING, ACTIVE, RETAINED or DROPPED
 * @param exists        whether the physical index exists on the server now
 * @param numDocs       documents it indexes (0 when it does not exist)
 * @param memoryBytes   memory of its index structures (0 when it does not exist)
 * @param planId        the plan that created it; empty for adopted originals
 * @param outdated      why a document rewrite left it unable to serve the documents ("was built before plan ...
 *                      rewrote the documents ..., so it cannot serve them"), so that rollbacks skip it; empty when
 *                      it can
 */
public record VersionStatus(int version, String physicalIndex, String state, boolean exists, long numDocs,
                            long memoryBytes, String planId, String outdated) {
    /** Reads a missing {@code outdated} as empty. */
    public VersionStatus {
        outdated = outdated == null ? "" : outdated;
    }

    /** A version no rewrite outdated. */
    public VersionStatus(int version, String physicalIndex, String state, boolean exists, long numDocs,
                         long memoryBytes, String planId) {
        this(version, physicalIndex, state, exists, numDocs, memoryBytes, planId, "");
    }
}
