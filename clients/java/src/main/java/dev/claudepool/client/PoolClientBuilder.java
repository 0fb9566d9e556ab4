package dev.claudepool.client;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The connection options of a {@link PoolClient} (clients/CONFORMANCE.md §1).
 *
 * <pre>{@code
 * PoolClient pool = PoolClient.builder("pool.example.com:50051")
 *     .token(System.getenv("CLAUDE_POOL_TOKEN"))
 *     .tlsCa(Path.of("ca.pem"))                          // or tls() for the system roots
 *     .clientCertificate(Path.of("client.pem"), Path.of("client.key"))
 *     .defaultDeadline(Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 *
 * <p>TLS with the system's trusted roots is the default; {@link #plaintext()} turns it off (for a
 * server on loopback). With a channel of your own ({@link PoolClient#builder(Channel)}) the
 * transport options (TLS, certificates, keepalive) are yours to set on that channel, and setting
 * them here is an error.
 */
public final class PoolClientBuilder {
  /** The header the token travels in: {@code authorization: Bearer <token>}. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private enum Security { SYSTEM_ROOTS, CUSTOM_CA, PLAINTEXT }

  private final String address;
  private final Channel channel;
  private String token;
  private Security security;
  private Path caPem;
  private Path certChainPem;
  private Path privateKeyPem;
  private Duration keepAliveTime;
  private Duration keepAliveTimeout;
  private Boolean keepAliveWithoutCalls;
  private Duration defaultDeadline;
  private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
  private final List<ClientInterceptor> interceptors = new ArrayList<>();

  PoolClientBuilder(String address, Channel channel) {
    this.address = address;
    this.channel = channel;
  }

  /**
   * Sends {@code authorization: Bearer <token>} on every PoolService call (not on health checks).
   *
   * @param token the bearer token; null or empty sends none
   * @return this builder
   */
  public PoolClientBuilder token(String token) {
    this.token = token;
    return this;
  }

  /**
   * TLS, trusting the system's root certificates (the default).
   *
   * @return this builder
   */
  public PoolClientBuilder tls() {
    this.security = Security.SYSTEM_ROOTS;
    this.caPem = null;
    return this;
  }

  /**
   * TLS, trusting only the CA certificate(s) in a PEM file (a private CA).
   *
   * @param caPem the PEM file of the CA that signed the server's certificate
   * @return this builder
   */
  public PoolClientBuilder tlsCa(Path caPem) {
    this.security = Security.CUSTOM_CA;
    this.caPem = Objects.requireNonNull(caPem, "caPem");
    return this;
  }

  /**
   * No TLS: plaintext HTTP/2, for a development server on loopback.
   *
   * @return this builder
   */
  public PoolClientBuilder plaintext() {
    this.security = Security.PLAINTEXT;
    this.caPem = null;
    return this;
  }

  /**
   * Presents a client certificate, for servers that require mutual TLS. Implies TLS.
   *
   * @param certChainPem the PEM certificate chain, the client's own certificate first
   * @param privateKeyPem its private key, PEM: PKCS#8, or SEC1 (EC) / PKCS#1 (RSA), which are
   *     converted to PKCS#8 on the fly
   * @return this builder
   */
  public PoolClientBuilder clientCertificate(Path certChainPem, Path privateKeyPem) {
    this.certChainPem = Objects.requireNonNull(certChainPem, "certChainPem");
    this.privateKeyPem = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    return this;
  }

  /**
   * HTTP/2 keepalive pings: one after {@code time} without activity, the connection counted dead
   * when no answer comes within {@code timeout}. Off by default; the server may refuse pings more
   * frequent than its policy allows.
   *
   * @param time the idle time before a ping
   * @param timeout how long to wait for its answer
   * @return this builder
   */
  public PoolClientBuilder keepAlive(Duration time, Duration timeout) {
    this.keepAliveTime = Objects.requireNonNull(time, "time");
    this.keepAliveTimeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  /**
   * Whether keepalive pings are sent while no call is open (default false).
   *
   * @param enable true to ping an idle connection too
   * @return this builder
   */
  public PoolClientBuilder keepAliveWithoutCalls(boolean enable) {
    this.keepAliveWithoutCalls = enable;
    return this;
  }

  /**
   * The deadline of every unary call that sets none itself ({@link PoolClient#withDeadlineAfter}
   * sets one). Streams never get it: they last as long as their task. None by default.
   *
   * @param deadline the time each unary call may take, resends included
   * @return this builder
   */
  public PoolClientBuilder defaultDeadline(Duration deadline) {
    this.defaultDeadline = deadline;
    return this;
  }

  /**
   * Adds interceptors (metadata, logging, tracing) to every call, health checks included. They
   * run in the order given and see the headers the client sets, the token included.
   *
   * @param interceptors the interceptors
   * @return this builder
   */
  public PoolClientBuilder intercept(ClientInterceptor... interceptors) {
    this.interceptors.addAll(List.of(interceptors));
    return this;
  }

  /**
   * When failed calls are resent; {@link RetryPolicy#DEFAULT} unless set.
   *
   * @param policy the policy ({@link RetryPolicy#none()} to turn resends off)
   * @return this builder
   */
  public PoolClientBuilder retryPolicy(RetryPolicy policy) {
    this.retryPolicy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /**
   * Connects. Nothing goes over the network until the first call.
   *
   * @return the client
   * @throws UncheckedIOException when a PEM file cannot be read
   * @throws IllegalStateException when transport options are set for a channel of your own
   */
  public PoolClient build() {
    ManagedChannel owned = null;
    Channel base = channel;
    if (base == null) {
      owned = newChannel();
      base = owned;
    } else if (security != null || certChainPem != null || keepAliveTime != null
        || keepAliveWithoutCalls != null) {
      throw new IllegalStateException(
          "TLS, client certificate and keepalive are options of the channel you passed in");
    }
    // ClientInterceptors.intercept runs the last interceptor first: reverse for "in order given".
    List<ClientInterceptor> chain = new ArrayList<>(interceptors);
    Collections.reverse(chain);
    Channel health = ClientInterceptors.intercept(base, chain);
    Channel pool = health;
    if (token != null && !token.isEmpty()) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      pool = ClientInterceptors.intercept(health, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return new PoolClient(new Calls(pool, health, retryPolicy, defaultDeadline, null), owned);
  }

  private ManagedChannel newChannel() {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(address, credentials());
    if (keepAliveTime != null) {
      builder.keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (keepAliveWithoutCalls != null) {
      builder.keepAliveWithoutCalls(keepAliveWithoutCalls);
    }
    return builder.build();
  }

  private ChannelCredentials credentials() {
    if (security == Security.PLAINTEXT) {
      if (certChainPem != null) {
        throw new IllegalStateException("a client certificate needs TLS, not plaintext()");
      }
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    try {
      if (security == Security.CUSTOM_CA) {
        tls.trustManager(caPem.toFile());
      }
      if (certChainPem != null) {
        String key = PemKeys.toPkcs8(Files.readString(privateKeyPem, StandardCharsets.US_ASCII));
        tls.keyManager(new ByteArrayInputStream(Files.readAllBytes(certChainPem)),
            new ByteArrayInputStream(key.getBytes(StandardCharsets.US_ASCII)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a TLS PEM file", e);
    }
    return tls.build();
  }
}
