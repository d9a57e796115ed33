package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.redis.Unanswered;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Asks the server, before anything changes, whether the connected user may run what an operation sends: each
 * command, with keys like the ones it will touch, is queued in a {@code MULTI} and the transaction is discarded.
 * Redis checks a command's ACL (the command and its keys) when it queues it, and runs nothing on {@code DISCARD}.
 * Without this, a user who may not {@code HDEL} or {@code RENAMENX} had the index dropped and a batch rewritten
 * before the first refusal, and one who may not {@code FT.DROPINDEX} was left with the schema probe's index.
 */
public final class PermissionProbe {
    private static final String PROBE = "slipway-permission-probe:";
    private static final int PROBE_ATTEMPTS = 3;

    private PermissionProbe() {
    }

    /**
     * Refuses, with nothing changed, when the user may not run one of the commands {@code apply} sends for this plan.
     *
     * @throws SlipwayException {@link ErrorCode#PERMISSION_DENIED} naming every refused command
     */
    public static void requireForApply(RedisSession session, MigrationPlan plan, KeyNamespace keys) {
        String suffix = PROBE + UUID.randomUUID();
        String document = documentSuffix(plan, suffix);
        Map<String, List<String>> commands = new LinkedHashMap<>();
        for (PlanStep step : plan.steps()) {
            for (List<String> command : step.commands()) {
                add(commands, concrete(command, plan, document));
            }
        }
        plan.rewrite().ifPresent(spec -> rewriteCommands(session, spec, document).forEach(c -> add(commands, c)));
        // the schema probe (PlanPreconditions.probeTarget) creates and drops an index of its own
        String probeIndex = SchemaProbeName.prefix(plan.source().indexName()) + suffix;
        add(commands, List.of("FT.CREATE", probeIndex, "ON", "HASH", "PREFIX", "1", probeIndex + ":", "SCHEMA", "f",
                "TAG"));
        add(commands, List.of("FT.DROPINDEX", probeIndex));
        lockAndStateCommands(keys, plan.source().indexName(), suffix).forEach(c -> add(commands, c));
        require(session, commands.values(), "apply this plan");
    }

    /**
     * Refuses, with nothing changed, when the user may not run what a rollback from a backup sends: the restore's
     * reads, writes, deletes and key moves, dropping the migrated index and creating the source one.
     *
     * @throws SlipwayException {@link ErrorCode#PERMISSION_DENIED} naming every refused command
     */
    public static void requireForRestore(RedisSession session, MigrationPlan plan, KeyNamespace keys) {
        String suffix = PROBE + UUID.randomUUID();
        Map<String, List<String>> commands = new LinkedHashMap<>();
        RewriteSpec spec = plan.rewrite().orElseThrow();
        rewriteCommands(session, spec, documentSuffix(plan, suffix)).forEach(c -> add(commands, c));
        add(commands, List.of("FT.DROPINDEX", plan.targetSchema().name()));
        add(commands, List.of("FT.CREATE", suffix, "ON", spec.storage().name(), "PREFIX", "1", suffix, "SCHEMA",
                "f", "TAG"));
        lockAndStateCommands(keys, plan.source().indexName(), suffix).forEach(c -> add(commands, c));
        require(session, commands.values(), "roll this migration back");
    }

    /**
     * What follows the source prefix in a sampled document's key, so that the probe's document commands name keys a
     * user's key pattern covers as it covers the real documents (tester session 29 R6 M6: a user allowed
     * {@code ~doc:[0-9]*} was refused over {@code doc:slipway-permission-probe:<uuid>}); the synthetic suffix when
     * no sampled key is under the prefix. Nothing runs: the commands are only queued, then discarded.
     */
    private static String documentSuffix(MigrationPlan plan, String suffix) {
        String prefix = plan.rewrite().map(s -> s.sourcePrefixes().isEmpty() ? "" : s.sourcePrefixes().get(0))
                .orElse("");
        return plan.source().keySample().stream().filter(k -> k.startsWith(prefix) && k.length() > prefix.length())
                .findFirst().map(k -> k.substring(prefix.length())).orElse(suffix);
    }

    /** A plan's command with its placeholders ({@code <key>}, {@code <cursor>}, ...) replaced by probe values. */
    private static List<String> concrete(List<String> command, MigrationPlan plan, String suffix) {
        String name = command.get(0);
        List<String> result = new ArrayList<>(List.of(name));
        for (int i = 1; i < command.size(); i++) {
            String arg = command.get(i);
            if (!arg.contains("<")) {
                result.add(arg);
            } else if (i == 1 && !name.equals("SCAN")) {
                result.add(sourceKey(plan.rewrite(), suffix));
            } else if (name.equals("RENAMENX")) {
                result.add(plan.rewrite().flatMap(RewriteSpec::targetPrefix).orElse("") + suffix);
            } else {
                result.add(arg.startsWith("<") && arg.endsWith(">") ? "1" : arg);
            }
        }
        return result;
    }

    private static String sourceKey(java.util.Optional<RewriteSpec> spec, String suffix) {
        return spec.map(s -> s.sourcePrefixes().isEmpty() ? "" : s.sourcePrefixes().get(0)).orElse("") + suffix;
    }

    /**
     * What a rewrite and its rollback send besides the plan's listed commands: reads, existence checks, moves back,
     * and for a hash rewrite in a database whose hash fields have expiries of their own, reading and setting those
     * (a minimal grant such as {@code +hmget +hset +hdel} lacks them; an older server that does not know the commands
     * answers "unknown command", which is not a refusal).
     */
    private static List<List<String>> rewriteCommands(RedisSession session, RewriteSpec spec, String suffix) {
        List<List<String>> commands = new ArrayList<>();
        List<String> sources = spec.sourcePrefixes().isEmpty() ? List.of("") : spec.sourcePrefixes();
        List<String> keys = new ArrayList<>();
        sources.forEach(prefix -> keys.add(prefix + suffix));
        spec.targetPrefix().ifPresent(prefix -> keys.add(prefix + suffix));
        boolean hash = spec.storage() == StorageType.HASH;
        commands.add(List.of("SCAN", "0", "COUNT", "1"));
        for (String key : keys) {
            commands.add(List.of("EXISTS", key));
            commands.add(hash ? List.of("HMGET", key, "f") : List.of("JSON.GET", key, "$"));
            commands.add(hash ? List.of("HSET", key, "f", "v") : List.of("JSON.SET", key, "$.f", "1"));
            commands.add(hash ? List.of("HDEL", key, "f") : List.of("JSON.DEL", key, "$.f"));
            // the take-back of a document that vanished while it was rewritten (see VanishedDocuments)
            commands.add(List.of("EVAL", "return 0", "1", key));
            if (hash) { // the read's field count (BatchReader), and the scripts' reads
                commands.add(List.of("HLEN", key));
                commands.add(List.of("HGET", key, "f"));
                commands.add(List.of("PTTL", key));
                // the rollback's look at a field a later pass recorded as cut short (RestoreCommands)
                commands.add(List.of("HEXISTS", key, "f"));
            }
        }
        if (RewriteMeasurement.keepsFieldExpiries(session, spec)) {
            for (String key : keys) {
                commands.add(List.of("HPEXPIRETIME", key, "FIELDS", "1", "f"));
                commands.add(List.of("HPEXPIREAT", key, "1", "FIELDS", "1", "f"));
            }
        }
        spec.targetPrefix().ifPresent(prefix -> sources.forEach(source -> {
            commands.add(List.of("RENAMENX", source + suffix, prefix + suffix));
            commands.add(List.of("RENAMENX", prefix + suffix, source + suffix));
        }));
        return commands;
    }

    /** The lock (taken, extended, released by scripts) and the checkpoint and history Slipway keeps in Redis. */
    private static List<List<String>> lockAndStateCommands(KeyNamespace keys, String index, String suffix) {
        String lock = keys.lock(index);
        return List.of(List.of("SET", lock, suffix, "NX", "PX", "1000"), List.of("EVAL", "return 0", "1", lock),
                List.of("GET", keys.checkpoint(index)), List.of("SET", keys.checkpoint(index), suffix),
                List.of("DEL", keys.checkpoint(index)), List.of("SET", keys.history(index), suffix));
    }

    private static void add(Map<String, List<String>> commands, List<String> command) {
        String name = command.get(0);
        if (name.equals("MULTI") || name.equals("EXEC")) {
            return;
        }
        commands.putIfAbsent(String.join("\u0000", command), command);
    }

    /**
     * Refuses, with nothing changed, when the server has no {@code EVAL} (renamed or disabled) or the user may not run
     * it: the migration lock and the checkpoint are kept by scripts. Asked before the lock is taken, which could not
     * be released without them (a server with EVAL disabled failed apply after taking the lock, with exit 1, and
     * kept the lock for its lease).
     */
    public static void requireScripts(RedisSession session, KeyNamespace keys, String index, String what) {
        require(session, List.of(List.of("EVAL", "return 0", "1", keys.lock(index))), what);
    }

    /**
     * Queues {@code commands} in a MULTI it discards and refuses what the server refused. A connection lost on the
     * way took the MULTI with it, and the server ran nothing: a session that replaces lost connections probes again,
     * up to {@value #PROBE_ATTEMPTS} times in all (one lost connection failed apply's checks, exit 1).
     */
    private static void require(RedisSession session, Iterable<List<String>> commands, String what) {
        for (int attempt = 1; ; attempt++) {
            try {
                probe(session, commands, what);
                return;
            } catch (SlipwayException e) {
                if (!session.replacesAfter(e) || attempt >= PROBE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static void probe(RedisSession session, Iterable<List<String>> commands, String what) {
        List<String> refused = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        openProbe(session, what);
        try {
            for (List<String> command : commands) {
                try {
                    session.call(command);
                } catch (RedisCommandException e) {
                    if (e.serverMessage().startsWith("NOPERM")) {
                        refused.add(describe(command) + " (" + e.serverMessage() + ")");
                    } else if (Unanswered.isUnknownCommand(e.serverMessage())) {
                        unknown.add(Unanswered.name(command.get(0)));
                    }
                    // any other queueing error (an arity the server counts differently) is not a permission
                }
            }
        } finally {
            session.discardIfOpen();
        }
        if (!unknown.isEmpty()) {
            throw new SlipwayException(ErrorCode.UNSUPPORTED_BY_SERVER, "The server has no " + String.join(", ",
                    unknown) + (unknown.size() == 1 ? " command" : " commands") + " (renamed or disabled with "
                    + "rename-command), which it takes to " + what + (unknown.contains("EVAL") ? " (Slipway keeps its "
                    + "lock and checkpoint with Lua scripts)" : "") + "; nothing was changed (each command was only "
                    + "queued in a MULTI, then discarded)." + (refused.isEmpty() ? "" : " This user is also refused: "
                    + String.join("; ", refused) + ".") + " Give " + (unknown.size() == 1 ? "it its" : "them their")
                    + " name back in the server's configuration (it takes a restart), or run Slipway against a "
                    + "server that has " + (unknown.size() == 1 ? "it" : "them") + ", then re-run.");
        }
        if (!refused.isEmpty()) {
            throw new SlipwayException(ErrorCode.PERMISSION_DENIED, "The Redis user may not run what it takes to "
                    + what + "; nothing was changed (each command was only queued in a MULTI, then discarded). "
                    + "Refused: " + String.join("; ", refused) + ". Grant these (ACL SETUSER) or connect as a user "
                    + "who may, then re-run.");
        }
    }

    /**
     * Opens the MULTI the commands are queued in. A user refused MULTI (or a server without it) is refused like any
     * other command the verb needs, with nothing changed: apply, rollback and prune said "Redis rejected MULTI" with
     * exit 1 (tester session 52 R46 T2 F1). Slipway needs it beyond this check too: some of its writes are
     * transactions (a hash field with an expiry of its own, the history with its checkpoint).
     */
    private static void openProbe(RedisSession session, String what) {
        try {
            session.call("MULTI");
        } catch (RedisCommandException e) {
            boolean missing = Unanswered.isUnknownCommand(e.serverMessage());
            if (!missing && !e.serverMessage().startsWith("NOPERM")) {
                throw e;
            }
            throw new SlipwayException(missing ? ErrorCode.UNSUPPORTED_BY_SERVER : ErrorCode.PERMISSION_DENIED,
                    (missing ? "The server has no MULTI command (renamed or disabled with rename-command)"
                    : "The Redis user may not run MULTI (" + e.serverMessage() + ")") + ", which it takes to "
                    + what + ": Slipway checks every command it will send by queueing it in a MULTI it discards, "
                    + "and sends some writes as MULTI/EXEC transactions. Nothing was changed. " + (missing
                    ? "Give MULTI its name back in the server's configuration (it takes a restart), or run Slipway "
                    + "against a server that has it, then re-run." : "Grant MULTI, EXEC and DISCARD (ACL SETUSER "
                    + "<user> +multi +exec +discard) or connect as a user who may, then re-run."), e);
        }
    }

    /** The command and its first argument, the key or index it acts on. */
    private static String describe(List<String> command) {
        return command.size() > 1 && !command.get(0).equals("SCAN") ? command.get(0) + " " + command.get(1)
                : command.get(0);
    }
}
