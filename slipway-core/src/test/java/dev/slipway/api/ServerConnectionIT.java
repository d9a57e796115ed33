package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Servers Slipway must not change, or reaches the wrong way: a replica, a TLS URL to a server without TLS. */
@ExtendWith(RedisStackExtension.class)
class ServerConnectionIT {
    private static final char[] PASSWORD = "changeit".toCharArray();

    /** Tester session 47 R42 T3 F3: apply blamed the target schema, rollback and prune printed a raw READONLY. */
    @Test
    void aReplicaIsRefusedByEveryVerbThatChangesRedisNamingItsPrimary(RedisStackServer primary, @TempDir Path dir)
            throws Exception {
        try (Jedis jedis = primary.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1",
                    "product:", "SCHEMA", "title", "TEXT");
            for (int i = 0; i < 50; i++) {
                jedis.hset("product:" + i, Map.of("title", "thing " + i, "price", String.valueOf(i)));
            }
        }
        Path patch = Files.writeString(dir.resolve("patch.yaml"),
                "version: 1\nchanges:\n  add_fields:\n    - {name: price, type: numeric}\n");
        SchemaPatch addPrice = SlipwayFiles.readPatch(patch);
        try (RedisStackServer replica = new RedisStackServer("--replicaof", "127.0.0.1",
                String.valueOf(primary.port())).start()) {
            awaitLinkUp(replica);
            Slipway onReplica = Slipway.configure().url(replica.url()).load();
            MigrationPlan plan = onReplica.plan(PlanRequest.patch("products", addPrice)); // reads work
            String primaryName = "127.0.0.1:" + primary.port();
            List<Runnable> verbs = List.of(
                    () -> onReplica.check(plan, ApplyOptions.DEFAULTS),
                    () -> onReplica.apply(plan, ApplyOptions.DEFAULTS),
                    () -> onReplica.checkRollback("products"),
                    () -> onReplica.rollback("products"),
                    () -> onReplica.prune("products", Optional.empty()));
            for (Runnable verb : verbs) {
                assertThatThrownBy(verb::run).isInstanceOfSatisfying(SlipwayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                    assertThat(e.getMessage()).contains("is a replica of " + primaryName)
                            .contains("pointing at the primary, " + primaryName).doesNotContain("READONLY");
                });
            }
            // a user who may not run ROLE (@dangerous), on a replica that takes writes: HELLO tells (tester R43 T3 F2)
            try (Jedis admin = replica.newJedis()) {
                admin.configSet("replica-read-only", "no");
                admin.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "app", "on", ">secret", "~*", "&*",
                        "+@all", "-@dangerous");
            }
            Slipway asApp = Slipway.configure().url(replica.url().replace("redis://", "redis://app:secret@")).load();
            assertThatThrownBy(() -> asApp.apply(plan, ApplyOptions.DEFAULTS))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e.getMessage()).contains("is a replica (HELLO: role replica; the primary is not "
                                + "named, as the server refuses ROLE to this user)")
                                .contains("pointing at its primary");
                    });
            // the same plan applies on the primary, and the replica follows
            MigrationReport report = Slipway.configure().url(primary.url()).load().apply(plan, ApplyOptions.DEFAULTS);
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(onReplica.status(Optional.of("products"))).isNotEmpty();
        }
    }

    /** Tester session 47 R42 T3 F2: rediss:// to a server without TLS hung for a minute, then gave no TLS hint. */
    @Test
    void aTlsUrlToAServerWithoutTlsFailsFastNamingTheScheme(RedisStackServer redis) {
        String url = "rediss://127.0.0.1:" + redis.port();
        long started = System.nanoTime();
        assertThatThrownBy(() -> Slipway.configure().url(url).load().listIndexes())
                .isInstanceOfSatisfying(SlipwayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                    assertThat(e.getMessage()).contains("the server does not serve TLS there")
                            .contains("Use redis://");
                });
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(15);
    }

    /**
     * A server with TLS: reached with a certificate the JVM trusts (the default TLS context, as an application sets
     * it); refused as BAD_USAGE, naming the trust store, without.
     */
    @Test
    void aTlsServerIsReachedWithATrustedCertificateAndRefusedWithoutOne(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "redis", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, PASSWORD);
        }
        Certificate certificate = store.getCertificate("redis");
        Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", store.getKey("redis", PASSWORD).getEncoded()));
        int tlsPort = freePort();
        try (RedisStackServer redis = new RedisStackServer("--tls-port", String.valueOf(tlsPort), "--tls-cert-file",
                dir.resolve("cert.pem").toString(), "--tls-key-file", dir.resolve("key.pem").toString(),
                "--tls-auth-clients", "no").start()) {
            try (Jedis jedis = redis.newJedis()) {
                jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1",
                        "product:", "SCHEMA", "title", "TEXT");
            }
            String url = "rediss://127.0.0.1:" + tlsPort;
            assertThatThrownBy(() -> Slipway.configure().url(url).load().listIndexes())
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e.getMessage()).contains("does not trust the server's certificate")
                                .contains("javax.net.ssl.trustStore");
                    });
            SSLContext original = SSLContext.getDefault();
            try {
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                trusted.setCertificateEntry("redis", certificate);
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trusted);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, trust.getTrustManagers(), null);
                SSLContext.setDefault(context);
                assertThat(Slipway.configure().url(url).load().listIndexes()).containsExactly("products");
                // a server that wants a client certificate, which this JVM has none of (tester session 48 R43 T3 F1)
                int clientAuthPort = freePort();
                try (RedisStackServer clientAuth = new RedisStackServer("--tls-port", String.valueOf(clientAuthPort),
                        "--tls-cert-file", dir.resolve("cert.pem").toString(), "--tls-key-file",
                        dir.resolve("key.pem").toString(), "--tls-ca-cert-file", dir.resolve("cert.pem").toString(),
                        "--tls-auth-clients", "yes").start()) {
                    assertThatThrownBy(() -> Slipway.configure().url("rediss://127.0.0.1:" + clientAuthPort).load()
                            .listIndexes()).isInstanceOfSatisfying(SlipwayException.class, e -> {
                                assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                                assertThat(e.getMessage()).contains("wants a client certificate")
                                        .contains("javax.net.ssl.keyStore");
                            });
                }
            } finally {
                SSLContext.setDefault(original);
            }
        }
    }

    /**
     * Under the module's query TIMEOUT (1 ms here, ON_TIMEOUT FAIL), Slipway's own searches run to the end: every
     * FT.SEARCH and FT.AGGREGATE it sends carries TIMEOUT 0 (seen with MONITOR), and a zero-downtime migration with
     * validation succeeds. A plan failed at random, and under ON_TIMEOUT RETURN read results cut short as complete
     * (tester session 48 R43 T3 F4/F5).
     */
    @Test
    void slipwaysOwnSearchesRunWithoutTheModulesQueryTimeout(@TempDir Path dir) throws Exception {
        try (RedisStackServer redis = new RedisStackServer().withSearchArguments("TIMEOUT", "1", "ON_TIMEOUT", "FAIL")
                .start()) {
            try (Jedis jedis = redis.newJedis()) {
                jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1",
                        "product:", "FILTER", "@price >= 0", "SCHEMA", "title", "TEXT", "price", "NUMERIC");
                redis.clients.jedis.Pipeline pipeline = jedis.pipelined();
                for (int i = 0; i < 20_000; i++) {
                    pipeline.hset("product:" + i, Map.of("title", "thing " + i, "price", String.valueOf(i)));
                }
                pipeline.sync();
            }
            List<String> searches = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Jedis monitor = redis.newJedis();
            Thread watching = new Thread(() -> {
                try {
                    monitor.monitor(new redis.clients.jedis.JedisMonitor() {
                        @Override
                        public void onCommand(String command) {
                            if (command.contains("\"FT.SEARCH\"") || command.contains("\"FT.AGGREGATE\"")) {
                                searches.add(command);
                            }
                        }
                    });
                } catch (RuntimeException closed) {
                    // the test closed the connection
                }
            });
            watching.start();
            Thread.sleep(200);
            try {
                Path patch = Files.writeString(dir.resolve("patch.yaml"),
                        "version: 1\nchanges:\n  add_fields:\n    - {name: category, type: tag}\n");
                Slipway slipway = Slipway.configure().url(redis.url()).load();
                for (int i = 0; i < 3; i++) {
                    slipway.describe("products");
                }
                MigrationPlan plan = slipway.plan(PlanRequest.patch("products", SlipwayFiles.readPatch(patch)));
                assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS).result())
                        .isEqualTo(MigrationReport.Result.SUCCEEDED);
            } finally {
                monitor.close();
                watching.join(5_000);
            }
            assertThat(searches).as("the searches Slipway sent").isNotEmpty()
                    .allSatisfy(command -> assertThat(command).endsWith("\"TIMEOUT\" \"0\""));
        }
    }

    /**
     * A plan made on another server (a staging copy with the same schema) applies, but warns first that the
     * documents it sampled are not there (tester session 48 R43 T1 F1: nothing said so, and validation blamed
     * another client for deleting them).
     */
    @Test
    void aPlanMadeOnAnotherServerWarnsThatItsSampleIsNotThere(RedisStackServer staging, @TempDir Path dir)
            throws Exception {
        try (RedisStackServer production = new RedisStackServer().start()) {
            for (RedisStackServer server : List.of(staging, production)) {
                try (Jedis jedis = server.newJedis()) {
                    jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1",
                            "product:", "SCHEMA", "title", "TEXT");
                    int from = server == staging ? 0 : 10_000;
                    for (int i = from; i < from + 50; i++) {
                        jedis.hset("product:" + i, Map.of("title", "thing " + i));
                    }
                }
            }
            Path patch = Files.writeString(dir.resolve("patch.yaml"),
                    "version: 1\nchanges:\n  add_fields:\n    - {name: price, type: numeric}\n");
            MigrationPlan plan = Slipway.configure().url(staging.url()).load()
                    .plan(PlanRequest.patch("products", SlipwayFiles.readPatch(patch)));

            // none of the sampled documents is there, which validation fails (every sampled key gone)
            MigrationFailedException failed = org.assertj.core.api.Assertions.catchThrowableOfType(() ->
                    Slipway.configure().url(production.url()).load().apply(plan, ApplyOptions.DEFAULTS),
                    MigrationFailedException.class);

            assertThat(failed).isNotNull();
            assertThat(failed.report().warnings()).anySatisfy(w -> assertThat(w).contains("documents the plan "
                    + "sampled do not exist on " + production.url(), "or the plan was made on another server"));
            MigrationReport again = Slipway.configure().url(staging.url()).load().apply(plan, ApplyOptions.DEFAULTS);
            assertThat(again.warnings()).noneSatisfy(w -> assertThat(w).contains("documents the plan sampled"));
        }
    }

    private static void awaitLinkUp(RedisStackServer replica) throws InterruptedException {
        try (Jedis jedis = replica.newJedis()) {
            for (int i = 0; i < 200 && !jedis.info("replication").contains("master_link_status:up"); i++) {
                Thread.sleep(50);
            }
            assertThat(jedis.info("replication")).contains("master_link_status:up");
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
