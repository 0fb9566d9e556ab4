package dev.claudepool.client;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Private keys for mutual TLS, turned into the one PEM form grpc-java's Netty reads: PKCS#8
 * ({@code BEGIN PRIVATE KEY}).
 *
 * <p>Common tools write other forms: {@code openssl ecparam -genkey}, Python's {@code trustme}
 * (which makes the conformance harness's keys) and Go's {@code x509.MarshalECPrivateKey} write
 * SEC1 ({@code BEGIN EC PRIVATE KEY}); older {@code openssl genrsa} writes PKCS#1 ({@code BEGIN
 * RSA PRIVATE KEY}). Both are wrapped, unchanged, in a PKCS#8 {@code PrivateKeyInfo}, so a caller
 * can pass whichever file they have, without BouncyCastle. Anything else (PKCS#8 already, or
 * encrypted) is passed through as it is.
 */
final class PemKeys {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN (EC|RSA) PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1 PRIVATE KEY-----");
  /** AlgorithmIdentifier OIDs: id-ecPublicKey (1.2.840.10045.2.1), rsaEncryption. */
  private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE,
      0x3D, 0x02, 0x01};
  private static final byte[] RSA_ENCRYPTION = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};

  private PemKeys() {}

  /** The key as PKCS#8 PEM; SEC1 and PKCS#1 keys are wrapped, any other text returned as is. */
  static String toPkcs8(String pem) {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      return pem;
    }
    byte[] inner = Base64.getMimeDecoder().decode(m.group(2).trim());
    byte[] algorithm = m.group(1).equals("EC")
        ? concat(EC_PUBLIC_KEY, curveOf(inner))
        : RSA_ENCRYPTION;
    byte[] info = tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, tlv(0x30, algorithm),
        tlv(0x04, inner)));
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(info)
        + "\n-----END PRIVATE KEY-----\n";
  }

  /**
   * The named-curve OID (a whole TLV) of a SEC1 {@code ECPrivateKey ::= SEQUENCE { version,
   * privateKey OCTET STRING, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }}: PKCS#8 needs it in
   * the AlgorithmIdentifier.
   */
  private static byte[] curveOf(byte[] sec1) {
    int[] outer = header(sec1, 0);
    int pos = outer[0];
    while (pos < outer[0] + outer[1]) {
      int tag = sec1[pos] & 0xFF;
      int[] element = header(sec1, pos);
      if (tag == 0xA0) {
        int[] oid = header(sec1, element[0]);
        int end = oid[0] + oid[1];
        byte[] tlv = new byte[end - element[0]];
        System.arraycopy(sec1, element[0], tlv, 0, tlv.length);
        return tlv;
      }
      pos = element[0] + element[1];
    }
    throw new IllegalArgumentException(
        "the EC private key names no curve; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
  }

  /** {content offset, content length} of the DER element at {@code pos}. */
  private static int[] header(byte[] der, int pos) {
    int first = der[pos + 1] & 0xFF;
    if (first < 0x80) {
      return new int[] {pos + 2, first};
    }
    int bytes = first & 0x7F;
    int length = 0;
    for (int i = 0; i < bytes; i++) {
      length = (length << 8) | (der[pos + 2 + i] & 0xFF);
    }
    return new int[] {pos + 2 + bytes, length};
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
