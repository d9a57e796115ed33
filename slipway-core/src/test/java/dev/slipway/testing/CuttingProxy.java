package dev.slipway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a loopback port in front of a test server that closes a client's connection when the client sends a
 * chosen command, the first {@code times} times it does: a lost connection at an exact point, which a
 * {@code CLIENT KILL} from another thread can only hit by chance. Everything else is passed through unchanged. The
 * cut comes before the command reaches the server, or ({@link #afterTheServerRanIt}) after the server ran it and
 * before its reply reaches the client: the reply is lost, not the command.
 */
public final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String target;
    private final int targetPort;
    private final byte[] command;
    private final AtomicInteger left;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean afterRun;
    private volatile int atLeast = 1;
    private final AtomicInteger passing = new AtomicInteger();
    private volatile byte[] alsoHolding;

    /** Proxies {@code server}, cutting the connection that sends {@code command} (as a RESP bulk string) the first
     * {@code times} times. */
    public CuttingProxy(RedisStackServer server, String command, int times) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = server.host();
        this.targetPort = server.port();
        this.command = bulk(command);
        this.left = new AtomicInteger(times);
        Thread accepting = new Thread(this::accept, "cutting-proxy");
        accepting.setDaemon(true);
        accepting.start();
    }

    /** Cuts after forwarding what holds the command, once the server had time to run it: its reply is lost. */
    public CuttingProxy afterTheServerRanIt() {
        this.afterRun = true;
        return this;
    }

    /**
     * Cuts only a send that holds the command at least {@code times} times: a pipelined batch's, not a check's that
     * sends one.
     */
    public CuttingProxy pipelinedAtLeast(int times) {
        this.atLeast = times;
        return this;
    }

    /** Cuts only a send that also holds {@code argument} (as a RESP bulk string): one key's command, say. */
    public CuttingProxy holding(String argument) {
        this.alsoHolding = bulk(argument);
        return this;
    }

    /** Lets the first {@code sends} sends that would be cut through: the cut comes later in the run. */
    public CuttingProxy skipping(int sends) {
        this.passing.set(sends);
        return this;
    }

    /** {@code redis://127.0.0.1:PORT} of the proxy. */
    public String url() {
        return "redis://127.0.0.1:" + listener.getLocalPort();
    }

    /** How many cuts are still to come. */
    public int cutsLeft() {
        return Math.max(left.get(), 0);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target, targetPort);
                sockets.add(client);
                sockets.add(server);
                pump(client, server, true);
                pump(server, client, false);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean watched) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    if (watched && occurrences(buffer, n, command) >= atLeast
                            && (alsoHolding == null || occurrences(buffer, n, alsoHolding) > 0)
                            && passing.getAndDecrement() <= 0
                            && left.getAndDecrement() > 0) {
                        from.close(); // the client's side first: no reply reaches it
                        if (afterRun) {
                            out.write(buffer, 0, n);
                            out.flush();
                            Thread.sleep(200); // the server runs it
                        }
                        to.close();
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: close the other
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "cutting-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static byte[] bulk(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] bulk = new byte[head.length + bytes.length + 2];
        System.arraycopy(head, 0, bulk, 0, head.length);
        System.arraycopy(bytes, 0, bulk, head.length, bytes.length);
        bulk[bulk.length - 2] = '\r';
        bulk[bulk.length - 1] = '\n';
        return bulk;
    }

    private static int occurrences(byte[] buffer, int length, byte[] command) {
        int found = 0;
        outer:
        for (int i = 0; i + command.length <= length; i++) {
            for (int j = 0; j < command.length; j++) {
                if (Character.toUpperCase(buffer[i + j]) != Character.toUpperCase(command[j])) {
                    continue outer;
                }
            }
            found++;
        }
        return found;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(CuttingProxy::closeQuietly);
    }
}
