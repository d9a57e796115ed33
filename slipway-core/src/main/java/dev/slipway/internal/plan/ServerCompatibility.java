package dev.slipway.internal.plan;

import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses, at plan time, target schemas that need features the server's Search module lacks. Versions are the
 * Search module's ({@code MODULE LIST}), which is what decides.
 */
public final class ServerCompatibility {
    private ServerCompatibility() {
    }

    /** Every feature of the target that the server cannot run, one sentence each; empty when all is fine. */
    public static List<String> missingFeatures(IndexSchema target, ServerInfo server) {
        List<String> missing = new ArrayList<>();
        if (!server.modulesKnown()) {
            return missing; // the server's own check of the target schema, before apply changes anything, decides
        }
        if (server.searchVersion() == 0) {
            missing.add("the server has no Search module loaded; Slipway needs Redis Stack or Redis 8 with Search");
            return missing;
        }
        for (FieldSchema field : target.fields()) {
            check(missing, server, field, field.type() == FieldType.GEOSHAPE, 2, 8, "GEOSHAPE fields");
            check(missing, server, field, field.flag("index_missing"), 2, 10, "INDEXMISSING");
            check(missing, server, field, field.flag("index_empty"), 2, 10, "INDEXEMPTY");
            if (field.type() == FieldType.VECTOR) {
                String datatype = String.valueOf(field.attrs().get("datatype"));
                check(missing, server, field, datatype.equals("float16") || datatype.equals("bfloat16"), 2, 10,
                        datatype.toUpperCase() + " vectors");
                check(missing, server, field, datatype.equals("int8") || datatype.equals("uint8"), 8, 0,
                        datatype.toUpperCase() + " vectors");
                check(missing, server, field, "svs-vamana".equals(field.attrs().get("algorithm")), 8, 2,
                        "the SVS-VAMANA algorithm");
            }
        }
        return missing;
    }

    private static void check(List<String> missing, ServerInfo server, FieldSchema field, boolean used, int major,
                              int minor, String feature) {
        if (used && !server.searchAtLeast(major, minor)) {
            missing.add("field '" + field.name() + "' uses " + feature + ", which needs Search " + major + "." + minor
                    + " or later (Redis " + (major >= 8 ? major + "." + minor : "Stack 7.4 / Redis 8") + "); the "
                    + "server runs Search " + server.searchVersionText());
        }
    }
}
