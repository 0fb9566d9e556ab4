package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * SEC1 and PKCS#1 keys become PKCS#8 holding the same key. The expected PKCS#8 forms were made
 * from the same throwaway keys with {@code openssl pkcs8 -topk8 -nocrypt}.
 */
class PemKeysTest {
  private static final String SEC1 = ""
      + "-----BEGIN EC PRIVATE KEY-----\n"
      + "MHcCAQEEIGoUA9OYiBHFWHh9/2m39194r085QHA0BRpORZC0IBmzoAoGCCqGSM49\n"
      + "AwEHoUQDQgAEThh3du3Zy0bJg4k8+UGIYDaqMLqZ/LWPjwoV8/Pao6NI6PA5mO2n\n"
      + "yVydS0byk1hAbbocSc4+Qt1oK8tkbBLxHA==\n"
      + "-----END EC PRIVATE KEY-----\n";
  private static final String SEC1_AS_PKCS8 = ""
      + "-----BEGIN PRIVATE KEY-----\n"
      + "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgahQD05iIEcVYeH3/\n"
      + "abf3X3ivTzlAcDQFGk5FkLQgGbOhRANCAAROGHd27dnLRsmDiTz5QYhgNqowupn8\n"
      + "tY+PChXz89qjo0jo8DmY7afJXJ1LRvKTWEBtuhxJzj5C3Wgry2RsEvEc\n"
      + "-----END PRIVATE KEY-----\n";
  private static final String PKCS1 = ""
      + "-----BEGIN RSA PRIVATE KEY-----\n"
      + "MIICXQIBAAKBgQDEt6Z9Y/zam7Wwfl7utnVrNYeQzU8lQqeCknmo3Qd0oiwiSiiH\n"
      + "BQ8Z7E9NKAXxMI6xY7ItCtddmVUbouIdoE6Scz39qIp6nScEikgGTecEB6iSKdK7\n"
      + "9u+HPB78Pya6BB+HjLYr/9uD9ontgXXPXD05CJKW4P30l42Pr86PLUumBwIDAQAB\n"
      + "AoGAFRC9iWvtpdNKz42YyONNC5/91mnF8e2DVp4s3QJeTAUZyMo8MMk/5rzBeTex\n"
      + "+zQB88kDSYOBsIo87OqyYA3Mm/3cPKt2Xb2JIV2e3eNjkqYkK+Rsv/kRPHCn8UZa\n"
      + "JXkowuRQvpIZxiw3iQNn2CfML/TxOI5uStk//BeOKPD8wpECQQD5GLBHhIFcGFAC\n"
      + "OJIe/3U10khJM1t8ruqr5bGMrMx95AlTkJD65xow0NTP7iNwGVI5AM9pyeuG0QHr\n"
      + "syh7Qf47AkEAyitWlRNagc9Y305uoRlii9fRxXW0dKnna14QUnz/kdLflEgCEwXE\n"
      + "PLlFPB0ZllUVGKCuKbGeITGrxHZuYwm+pQJBAOR4HocaI8QikI/Y7zz7NbhNzPtG\n"
      + "3ay4iolrvbO3ckAtfdhlinR2r3ECuY6Vb2+L6fxan+L5zsryvP5AburOlq0CQDqa\n"
      + "J2XdD04zgWpxfMX76sHolGjtfpqWqXtI7+hJTXfCrYZ4/QjwkfqcJcKQGNun3A6g\n"
      + "fPue/dxXXpf7UHIq3/UCQQDkHf6/dGwPRHPFWjYyxtMSs0aUn1+pVJznQkF7ZQLV\n"
      + "V2D8ii1dBh7/ePwpEs/UHkL1fHFEzXpaRa1keAv+bdOs\n"
      + "-----END RSA PRIVATE KEY-----\n";
  private static final String PKCS1_AS_PKCS8 = ""
      + "-----BEGIN PRIVATE KEY-----\n"
      + "MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAMS3pn1j/NqbtbB+\n"
      + "Xu62dWs1h5DNTyVCp4KSeajdB3SiLCJKKIcFDxnsT00oBfEwjrFjsi0K112ZVRui\n"
      + "4h2gTpJzPf2oinqdJwSKSAZN5wQHqJIp0rv274c8Hvw/JroEH4eMtiv/24P2ie2B\n"
      + "dc9cPTkIkpbg/fSXjY+vzo8tS6YHAgMBAAECgYAVEL2Ja+2l00rPjZjI400Ln/3W\n"
      + "acXx7YNWnizdAl5MBRnIyjwwyT/mvMF5N7H7NAHzyQNJg4Gwijzs6rJgDcyb/dw8\n"
      + "q3ZdvYkhXZ7d42OSpiQr5Gy/+RE8cKfxRloleSjC5FC+khnGLDeJA2fYJ8wv9PE4\n"
      + "jm5K2T/8F44o8PzCkQJBAPkYsEeEgVwYUAI4kh7/dTXSSEkzW3yu6qvlsYyszH3k\n"
      + "CVOQkPrnGjDQ1M/uI3AZUjkAz2nJ64bRAeuzKHtB/jsCQQDKK1aVE1qBz1jfTm6h\n"
      + "GWKL19HFdbR0qedrXhBSfP+R0t+USAITBcQ8uUU8HRmWVRUYoK4psZ4hMavEdm5j\n"
      + "Cb6lAkEA5HgehxojxCKQj9jvPPs1uE3M+0bdrLiKiWu9s7dyQC192GWKdHavcQK5\n"
      + "jpVvb4vp/Fqf4vnOyvK8/kBu6s6WrQJAOponZd0PTjOBanF8xfvqweiUaO1+mpap\n"
      + "e0jv6ElNd8Kthnj9CPCR+pwlwpAY26fcDqB8+5793Fdel/tQcirf9QJBAOQd/r90\n"
      + "bA9Ec8VaNjLG0xKzRpSfX6lUnOdCQXtlAtVXYPyKLV0GHv94/CkSz9QeQvV8cUTN\n"
      + "elpFrWR4C/5t06w=\n"
      + "-----END PRIVATE KEY-----\n";

  private static PrivateKey parse(String algorithm, String pkcs8Pem) throws Exception {
    String body = pkcs8Pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance(algorithm)
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
  }

  @Test
  void sec1BecomesTheSameEcKey() throws Exception {
    String converted = PemKeys.toPkcs8(SEC1);
    assertTrue(converted.startsWith("-----BEGIN PRIVATE KEY-----\n"), converted);
    ECPrivateKey expected = (ECPrivateKey) parse("EC", SEC1_AS_PKCS8);
    ECPrivateKey actual = (ECPrivateKey) parse("EC", converted);
    assertEquals(expected.getS(), actual.getS());
    assertEquals(expected.getParams().toString(), actual.getParams().toString());
  }

  @Test
  void pkcs1BecomesTheSameRsaKey() throws Exception {
    assertArrayEquals(parse("RSA", PKCS1_AS_PKCS8).getEncoded(),
        parse("RSA", PemKeys.toPkcs8(PKCS1)).getEncoded());
  }

  @Test
  void pkcs8IsLeftAlone() {
    assertEquals(SEC1_AS_PKCS8, PemKeys.toPkcs8(SEC1_AS_PKCS8));
  }
}
