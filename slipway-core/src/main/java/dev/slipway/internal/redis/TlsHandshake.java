package dev.slipway.internal.redis;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;

/**
 * The TLS socket factory of {@code rediss://} connections: it completes the handshake as soon as the socket is made,
 * within a short timeout, instead of letting the first command's read do it within the command timeout. A server
 * that does not speak TLS on the port gets a ClientHello it reads as the start of an inline command and never
 * answers; the first command then hung for the whole command timeout, twice (the read, then closing the TLS socket
 * waited for the server's close_notify), and the error said to check that the server runs (tester session 47 R42 T3
 * F2). A failed handshake closes the plain socket under it and says what is known: whether the port answers a plain
 * {@code PING} as Redis does.
 */
final class TlsHandshake extends SSLSocketFactory {
    /** The longest a handshake may take; a live TLS server answers within milliseconds, even far away. */
    static final int MAX_HANDSHAKE_MILLIS = 5_000;
    private final SSLSocketFactory delegate;
    private final int handshakeMillis;

    TlsHandshake(SSLSocketFactory delegate, int timeoutMillis) {
        this.delegate = delegate;
        this.handshakeMillis = Math.min(timeoutMillis, MAX_HANDSHAKE_MILLIS);
    }

    /** A handshake that did not complete; its message says why, and whether the port speaks plain Redis. */
    static final class Failed extends IOException {
        private final boolean plainRedis;

        Failed(String message, boolean plainRedis, IOException cause) {
            super(message, cause);
            this.plainRedis = plainRedis;
        }

        /** Whether the port answered a plain-text PING as Redis does (a server without TLS there). */
        boolean plainRedis() {
            return plainRedis;
        }

        /** Whether the server asked for a client certificate this JVM did not give (TLS alerts that say so). */
        boolean clientCertificateWanted() {
            String message = String.valueOf(getCause().getMessage());
            return message.contains("certificate_required") || message.contains("bad_certificate");
        }

        /** Whether the server's certificate was not trusted (or not valid for its name). */
        boolean untrusted() {
            return getCause() instanceof SSLHandshakeException && getCause().getCause() instanceof CertificateException
                    || getCause() instanceof SSLPeerUnverifiedException;
        }
    }

    @Override
    public Socket createSocket(Socket plain, String host, int port, boolean autoClose) throws IOException {
        SSLSocket tls = (SSLSocket) delegate.createSocket(plain, host, port, autoClose);
        int timeout = plain.getSoTimeout();
        try {
            tls.setSoTimeout(handshakeMillis);
            tls.startHandshake();
            pingOnce(tls);
            tls.setSoTimeout(timeout);
            return tls;
        } catch (IOException e) {
            plain.close(); // not tls.close(): that waits for a close_notify such a server never sends
            boolean plainRedis = answersPlainPing(plain.getInetAddress(), port, handshakeMillis);
            String what = e instanceof SocketTimeoutException ? "the TLS handshake got no answer within "
                    + handshakeMillis + " ms (" + e.getMessage() + ")" : e instanceof SSLException
                    ? "the TLS handshake failed (" + e.getMessage() + ")" : "the server closed the TLS connection "
                    + "during its handshake (" + e.getMessage() + ")";
            throw new Failed(what, plainRedis, e);
        }
    }

    /**
     * Sends one {@code PING} and reads its one-line reply ({@code +PONG}, or {@code -NOAUTH} before AUTH), leaving
     * the stream clean. Under TLS 1.3 a server that refuses the client (no client certificate) says so only after the
     * client's side of the handshake has finished: the first command failed with a broken pipe, taken for a server
     * that is down (tester session 48 R43 T3 F1).
     */
    private static void pingOnce(SSLSocket tls) throws IOException {
        InputStream in = tls.getInputStream();
        try {
            OutputStream out = tls.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw alertOr(in, e);
        }
        for (int read = 0, b = in.read(); b != '\n'; b = in.read(), read++) {
            if (b < 0 || read > 1_024) {
                throw new SSLException(b < 0 ? "the server closed the connection after the handshake" : "the server's "
                        + "answer to PING is not Redis's");
            }
        }
    }

    /**
     * The alert the server sent before it closed the connection, which says why (certificate_required), read after a
     * write failed with a broken pipe, which does not; {@code failure} when there is none to read.
     */
    private static IOException alertOr(InputStream in, IOException failure) {
        try {
            in.read();
        } catch (SSLException alert) {
            alert.addSuppressed(failure);
            return alert;
        } catch (IOException ignored) {
            // no alert to read: the write's failure is all there is
        }
        return failure;
    }

    /** Whether a plain connection to the port answers {@code PING} in RESP ({@code +PONG}, {@code -NOAUTH}). */
    static boolean answersPlainPing(InetAddress address, int port, int timeoutMillis) {
        if (address == null) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), timeoutMillis);
            socket.setSoTimeout(Math.min(timeoutMillis, 2_000));
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            int first = in.read();
            return first == '+' || first == '-';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return delegate.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return delegate.createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return delegate.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return delegate.createSocket(address, port, localAddress, localPort);
    }
}
