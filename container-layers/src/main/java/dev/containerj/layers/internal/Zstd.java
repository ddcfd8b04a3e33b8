package dev.containerj.layers.internal;

import org.jspecify.annotations.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * zstd decompression with aircompressor's pure-Java decoder, found reflectively (see module-info):
 * no native library to extract, and no filename-derived automatic module to require.
 */
public final class Zstd {
  private Zstd() {}

  private static final class Holder {
    static final @Nullable MethodHandle CONSTRUCTOR;
    static final @Nullable String CAUSE;

    static {
      MethodHandle c = null;
      String cause = null;
      try {
        Class<?> k = Class.forName("io.airlift.compress.zstd.ZstdInputStream", true, Zstd.class.getClassLoader());
        c = MethodHandles.publicLookup().findConstructor(k, MethodType.methodType(void.class, InputStream.class));
      } catch (ReflectiveOperationException | RuntimeException e) {
        cause = e.toString();
      }
      CONSTRUCTOR = c;
      CAUSE = cause;
    }
  }

  /** A decompressing stream over {@code in}. */
  public static InputStream open(InputStream in) throws IOException {
    MethodHandle constructor = Holder.CONSTRUCTOR;
    if (constructor == null) {
      throw new IOException("a zstd-compressed layer needs io.airlift:aircompressor on the class path: "
          + Holder.CAUSE);
    }
    try {
      return (InputStream) constructor.invoke(in);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("cannot open a zstd stream: " + t, t);
    }
  }
}
