package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rootless store (user.overlay.* xattrs, 0/0 char device whiteouts made without CAP_MKNOD)
 * mounted as overlay with userxattr inside a user namespace by {@code unshare -Urm}, using the
 * mount(2) parameters that {@link PreparedRoot#overlay()} exposes for a launcher.
 */
@Tag("rootless")
@Tag("kernel")
class RootlessOverlayTest {
  @TempDir Path tmp;

  @Test
  void userxattrOverlayInAUserNamespace() throws Exception {
    String overlay = OverlayProbe.problem(true);
    Assumptions.assumeTrue(overlay.isEmpty(), "rootless overlay not tested: " + overlay);
    Tools.require("unshare", "util-linux");
    String xattrs = Tools.userXattrProblem(tmp);
    Assumptions.assumeTrue(xattrs == null, "not applicable: a rootless store keeps whiteouts as user.overlay.* xattrs, and " + xattrs);

    byte[] lower = new OciBuilder.Layer().dir("del", 0755).file("del/gone.txt", "gone").file("del/stays.txt", "stays")
        .dir("opq", 0755).file("opq/old.txt", "old").file("hello", "v1").gzip();
    byte[] upper = new OciBuilder.Layer().dir("del", 0755).file("del/.wh.gone.txt", "")
        .dir("opq", 0755).file("opq/.wh..wh..opq", "").file("opq/new.txt", "new").file("hello", "v2").tar();
    ImageReference ref = OciBuilder.write(tmp.resolve("img"), "t", List.of(lower, upper));
    LayerStore store = new LayerStore(tmp.resolve("store"), true);
    Image img = store.importImage(ref);
    Path upperLayer = store.layerDirectory(img.layers().get(1));
    assertThat(Tools.describe(upperLayer.resolve("del/gone.txt"))).startsWith("type=2 mode=0000").contains("rdev=0");
    assertThat(Tools.xattrsRaw(upperLayer.resolve("opq"))).containsEntry("user.overlay.opaque", "y");

    try (PreparedRoot root = store.prepareRoot(img, "rootless-1", true)) {
      Mount m = root.overlay();
      assertThat(m.overlayFlags()).contains("userxattr");
      Path merged = root.rootfs();
      String script = "mount -t overlay -o '" + m.data() + "' overlay '" + merged + "' && cd '" + merged + "'"
          + " && echo opq: $(ls -A opq) && echo del: $(ls -A del) && cat hello && echo written > mine";
      String out = Tools.run(tmp, "unshare", "-Urm", "sh", "-c", script);
      assertThat(out).contains("opq: new.txt\n").contains("del: stays.txt\n").contains("v2");
      assertThat(root.upperDir().resolve("mine")).hasContent("written");
      assertThat(Files.list(merged).count()).as("nothing mounted here outside the namespace").isZero();
    }
    assertThat(store.preparedRoots()).isEmpty();
  }
}
