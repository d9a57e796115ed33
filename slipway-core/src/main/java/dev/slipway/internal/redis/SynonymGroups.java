package dev.slipway.internal.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An index's synonym groups ({@code FT.SYNUPDATE}, read back with {@code FT.SYNDUMP}). They belong to the index: a
 * dropped index loses them and a new one starts without them, so a migration reads them with the source and adds
 * them to every index it creates (tester session 54 R48 T2 F1: every migration lost them, and a query for a synonym
 * matched nothing afterwards while validation passed). The server has no command that takes a term out of a group.
 */
public final class SynonymGroups {
    private SynonymGroups() {
    }

    /** Each group id of {@code index} with its terms, sorted; empty when it has none. */
    public static Map<String, List<String>> read(RedisSession session, String index) {
        return parse(session.call("FT.SYNDUMP", index));
    }

    /**
     * The groups of an {@code FT.SYNDUMP} reply, which lists each term with the groups that hold it (a flat list of
     * term and group list, or a map).
     */
    static Map<String, List<String>> parse(Object reply) {
        TreeMap<String, TreeSet<String>> groups = new TreeMap<>();
        if (reply instanceof Map<?, ?> map) {
            map.forEach((term, ids) -> add(groups, RedisReplies.text(term), ids));
        } else if (reply instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                add(groups, RedisReplies.text(list.get(i)), list.get(i + 1));
            }
        }
        TreeMap<String, List<String>> result = new TreeMap<>();
        groups.forEach((id, terms) -> result.put(id, List.copyOf(terms)));
        return result;
    }

    private static void add(TreeMap<String, TreeSet<String>> groups, String term, Object ids) {
        if (ids instanceof List<?> each) {
            for (Object id : each) {
                groups.computeIfAbsent(RedisReplies.text(id), g -> new TreeSet<>()).add(term);
            }
        }
    }

    /**
     * One {@code FT.SYNUPDATE} per group. With {@code skipInitialScan} (an index created with
     * {@code SKIPINITIALSCAN}) the documents already indexed are not indexed again; otherwise they are, so that each
     * holds its synonyms whenever the groups were added.
     */
    public static List<List<String>> updateCommands(String index, Map<String, List<String>> groups,
                                                    boolean skipInitialScan) {
        List<List<String>> commands = new ArrayList<>();
        groups.forEach((id, terms) -> {
            List<String> command = new ArrayList<>(List.of("FT.SYNUPDATE", index, id));
            if (skipInitialScan) {
                command.add("SKIPINITIALSCAN");
            }
            command.addAll(terms);
            commands.add(List.copyOf(command));
        });
        return commands;
    }

    /**
     * Adds to {@code index} the terms of {@code wanted} it lacks, one {@code FT.SYNUPDATE} per group that lacks any;
     * returns what was sent, by group (empty when nothing was).
     */
    public static Map<String, List<String>> addMissing(RedisSession session, String index,
                                                       Map<String, List<String>> wanted, boolean skipInitialScan) {
        if (wanted.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> lacking = missing(wanted, read(session, index));
        updateCommands(index, lacking, skipInitialScan).forEach(session::call);
        return lacking;
    }

    /** The terms of {@code wanted} that {@code held} lacks, by group; empty when it holds them all. */
    public static Map<String, List<String>> missing(Map<String, List<String>> wanted,
                                                    Map<String, List<String>> held) {
        TreeMap<String, List<String>> missing = new TreeMap<>();
        wanted.forEach((id, terms) -> {
            List<String> lacking = terms.stream().filter(t -> !held.getOrDefault(id, List.of()).contains(t))
                    .toList();
            if (!lacking.isEmpty()) {
                missing.put(id, lacking);
            }
        });
        return missing;
    }

    /** The groups as one line: {@code g1 [automobile, car]; g2 [car, vehicle]}. */
    public static String describe(Map<String, List<String>> groups) {
        List<String> parts = new ArrayList<>();
        groups.forEach((id, terms) -> parts.add(id + " " + terms));
        return String.join("; ", parts);
    }
}
