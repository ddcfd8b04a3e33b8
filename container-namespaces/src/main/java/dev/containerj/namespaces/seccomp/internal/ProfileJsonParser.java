package dev.containerj.namespaces.seccomp.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.containerj.namespaces.seccomp.ArgCondition;
import dev.containerj.namespaces.seccomp.SeccompAction;
import dev.containerj.namespaces.seccomp.SeccompArch;
import dev.containerj.namespaces.seccomp.SeccompFlag;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import dev.containerj.namespaces.seccomp.SeccompRule;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Parses the two JSON seccomp profile formats: the OCI runtime-spec {@code linux.seccomp} object,
 * and the Docker/Podman profile file, which adds {@code includes}/{@code excludes} by
 * capabilities, architectures and minimum kernel (resolved here), the legacy single {@code name},
 * and {@code archMap}. Unknown fields are ignored (the formats grow); every invalid value is
 * reported at once, each with its JSON path.
 */
public final class ProfileJsonParser {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
  private static final int EPERM = 1;

  private static final Map<String, SeccompAction.Kind> ACTIONS = Map.of(
      "SCMP_ACT_KILL", SeccompAction.Kind.KILL_THREAD,
      "SCMP_ACT_KILL_THREAD", SeccompAction.Kind.KILL_THREAD,
      "SCMP_ACT_KILL_PROCESS", SeccompAction.Kind.KILL_PROCESS,
      "SCMP_ACT_TRAP", SeccompAction.Kind.TRAP,
      "SCMP_ACT_ERRNO", SeccompAction.Kind.ERRNO,
      "SCMP_ACT_TRACE", SeccompAction.Kind.TRACE,
      "SCMP_ACT_ALLOW", SeccompAction.Kind.ALLOW,
      "SCMP_ACT_LOG", SeccompAction.Kind.LOG,
      "SCMP_ACT_NOTIFY", SeccompAction.Kind.USER_NOTIF);

  private static final Map<String, ArgCondition.Op> OPS = Map.of(
      "SCMP_CMP_NE", ArgCondition.Op.NE,
      "SCMP_CMP_LT", ArgCondition.Op.LT,
      "SCMP_CMP_LE", ArgCondition.Op.LE,
      "SCMP_CMP_EQ", ArgCondition.Op.EQ,
      "SCMP_CMP_GE", ArgCondition.Op.GE,
      "SCMP_CMP_GT", ArgCondition.Op.GT,
      "SCMP_CMP_MASKED_EQ", ArgCondition.Op.MASKED_EQ);

  private static final Map<String, SeccompFlag> FLAGS = Map.of(
      "SECCOMP_FILTER_FLAG_TSYNC", SeccompFlag.TSYNC,
      "SECCOMP_FILTER_FLAG_LOG", SeccompFlag.LOG,
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompFlag.SPEC_ALLOW,
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SeccompFlag.WAIT_KILLABLE_RECV);

  /** libseccomp's architecture names (SCMP_ARCH_*), lower case without the prefix. */
  private static final Set<String> SCMP_ARCHES = Set.of(
      "native", "x86", "x86_64", "x32", "arm", "aarch64", "loongarch64", "m68k", "mips", "mips64",
      "mips64n32", "mipsel", "mipsel64", "mipsel64n32", "ppc", "ppc64", "ppc64le", "s390",
      "s390x", "parisc", "parisc64", "riscv64", "sh", "sheb");

  /** Docker's architecture names (Go GOARCH and libseccomp spellings) for includes/excludes. */
  private static final Set<String> GO_ARCHES = Set.of(
      "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le",
      "ppc64", "ppc64le", "riscv64", "s390", "s390x", "x86", "x32", "x86_64", "aarch64",
      "mips64n32", "mipsel64", "mipsel64n32", "mipsel", "ppc", "loongarch64", "m68k", "sh", "sheb",
      "parisc", "parisc64");

  private final List<String> errors = new ArrayList<>();
  private final boolean docker;
  private final Set<String> caps;
  private final @Nullable KernelVersion kernel;

  private ProfileJsonParser(boolean docker, Set<String> caps, @Nullable KernelVersion kernel) {
    this.docker = docker;
    this.caps = caps;
    this.kernel = kernel;
  }

  /** Parses a runtime-spec {@code linux.seccomp} object. */
  public static SeccompProfile parseOci(String json) {
    return new ProfileJsonParser(false, Set.of(), null).parse(json);
  }

  /** Parses a Docker/Podman profile for a container that keeps {@code caps}, on {@code kernel}. */
  public static SeccompProfile parseDocker(String json, Set<String> caps, KernelVersion kernel) {
    return new ProfileJsonParser(true, caps, kernel).parse(json);
  }

  private SeccompProfile parse(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new dev.containerj.linux.InvalidValueException("seccomp profile", "line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr(), "must be valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new dev.containerj.linux.InvalidValueException("seccomp profile", root == null ? "empty" : root.getNodeType().toString(), "must be a JSON object");
    }
    int defaultErrno = EPERM;
    JsonNode der = root.get("defaultErrnoRet");
    if (der != null && !der.isNull()) {
      defaultErrno = errno(der, "defaultErrnoRet");
    }
    SeccompAction defaultAction = SeccompAction.ALLOW;
    JsonNode da = root.get("defaultAction");
    if (da == null || da.isNull()) {
      errors.add("defaultAction is required");
    } else {
      SeccompAction a = action(da, "defaultAction", der == null || der.isNull() ? null : defaultErrno);
      if (a != null) {
        defaultAction = a;
      }
    }
    for (String archField : List.of("architectures")) {
      for (JsonNode a : array(root, archField)) {
        String name = text(a, archField + "[]");
        if (name != null && !(name.startsWith("SCMP_ARCH_")
            && SCMP_ARCHES.contains(name.substring(10).toLowerCase(java.util.Locale.ROOT)))) {
          errors.add(archField + " must name libseccomp architectures (SCMP_ARCH_X86_64, ...): " + name);
        }
      }
    }
    Set<SeccompFlag> flags = EnumSet.noneOf(SeccompFlag.class);
    int i = 0;
    for (JsonNode f : array(root, "flags")) {
      String name = text(f, "flags[" + i + "]");
      if (name != null) {
        SeccompFlag flag = FLAGS.get(name);
        if (flag == null) {
          errors.add("flags[" + i + "] must be one of " + new java.util.TreeSet<>(FLAGS.keySet()) + ": " + name);
        } else {
          flags.add(flag);
        }
      }
      i++;
    }
    List<SeccompRule> rules = new ArrayList<>();
    i = 0;
    for (JsonNode call : array(root, "syscalls")) {
      syscall(call, "syscalls[" + i + "]", rules);
      i++;
    }
    if (!errors.isEmpty()) {
      throw new dev.containerj.linux.InvalidValueException("seccomp profile", String.join("; ", errors), "is invalid");
    }
    SeccompProfile.Builder b = SeccompProfile.builder(defaultAction).rules(rules);
    flags.forEach(b::flag);
    return b.build();
  }

  private void syscall(JsonNode call, String path, List<SeccompRule> out) {
    if (!call.isObject()) {
      errors.add(path + " must be an object");
      return;
    }
    List<String> names = new ArrayList<>();
    int n = 0;
    for (JsonNode name : array(call, "names")) {
      String s = text(name, path + ".names[" + n++ + "]");
      if (s != null) {
        names.add(s);
      }
    }
    JsonNode single = call.get("name");
    if (docker && single != null && !single.isNull()) {
      String s = text(single, path + ".name");
      if (s != null) {
        names.add(s);
      }
    }
    if (names.isEmpty()) {
      errors.add(path + ".names must name at least one system call");
    }
    JsonNode er = call.get("errnoRet");
    Integer errnoRet = er == null || er.isNull() ? null : errno(er, path + ".errnoRet");
    JsonNode an = call.get("action");
    SeccompAction action = null;
    if (an == null || an.isNull()) {
      errors.add(path + ".action is required");
    } else {
      action = action(an, path + ".action", errnoRet);
    }
    List<ArgCondition> conditions = new ArrayList<>();
    int a = 0;
    for (JsonNode arg : array(call, "args")) {
      ArgCondition c = condition(arg, path + ".args[" + a++ + "]");
      if (c != null) {
        conditions.add(c);
      }
    }
    Set<SeccompArch> arches = EnumSet.allOf(SeccompArch.class);
    if (docker && !applies(call, path, arches)) {
      return;
    }
    if (action == null) {
      return;
    }
    for (String name : names) {
      try {
        out.add(new SeccompRule(name, action, conditions,
            arches.size() == SeccompArch.values().length ? Set.of() : arches));
      } catch (IllegalArgumentException e) {
        errors.add(path + ": " + e.getMessage());
      }
    }
  }

  /**
   * Docker's includes/excludes: includes.caps all held, includes.arches contains the target,
   * includes.minKernel at most the running kernel; excludes.caps none held, excludes.arches not
   * the target, excludes.minKernel above the running kernel. Narrows {@code arches}.
   */
  private boolean applies(JsonNode call, String path, Set<SeccompArch> arches) {
    boolean applies = true;
    JsonNode inc = call.get("includes");
    if (inc != null && !inc.isNull()) {
      for (String cap : strings(inc, "caps", path + ".includes.caps")) {
        applies &= caps.contains(cap);
      }
      List<String> incArches = strings(inc, "arches", path + ".includes.arches");
      if (!incArches.isEmpty()) {
        arches.retainAll(arches(incArches, path + ".includes.arches"));
      }
      KernelVersion min = minKernel(inc, path + ".includes.minKernel");
      if (min != null && kernel != null && !kernel.atLeast(min)) {
        applies = false;
      }
    }
    JsonNode exc = call.get("excludes");
    if (exc != null && !exc.isNull()) {
      for (String cap : strings(exc, "caps", path + ".excludes.caps")) {
        applies &= !caps.contains(cap);
      }
      arches.removeAll(arches(strings(exc, "arches", path + ".excludes.arches"), path + ".excludes.arches"));
      KernelVersion min = minKernel(exc, path + ".excludes.minKernel");
      if (min != null && kernel != null && kernel.atLeast(min)) {
        applies = false;
      }
    }
    return applies && !arches.isEmpty();
  }

  private @Nullable KernelVersion minKernel(JsonNode node, String path) {
    JsonNode v = node.get("minKernel");
    if (v == null || v.isNull()) {
      return null;
    }
    String s = text(v, path);
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return KernelVersion.parse(s);
    } catch (IllegalArgumentException e) {
      errors.add(path + " must look like 4.8: " + s);
      return null;
    }
  }

  private Set<SeccompArch> arches(List<String> names, String path) {
    Set<SeccompArch> result = EnumSet.noneOf(SeccompArch.class);
    for (String name : names) {
      String n = name.toLowerCase(java.util.Locale.ROOT);
      if (n.startsWith("scmp_arch_")) {
        n = n.substring(10);
      }
      if (n.equals("amd64") || n.equals("x86_64")) {
        result.add(SeccompArch.X86_64);
      } else if (n.equals("arm64") || n.equals("aarch64")) {
        result.add(SeccompArch.AARCH64);
      } else if (!GO_ARCHES.contains(n)) {
        errors.add(path + " must name architectures (amd64, arm64, x86, ...): " + name);
      }
    }
    return result;
  }

  private @Nullable ArgCondition condition(JsonNode arg, String path) {
    if (!arg.isObject()) {
      errors.add(path + " must be an object");
      return null;
    }
    JsonNode idx = arg.get("index");
    int index = -1;
    if (idx == null || !idx.canConvertToInt() || !idx.isIntegralNumber() || idx.intValue() < 0 || idx.intValue() > 5) {
      errors.add(path + ".index must be an argument number 0..5: " + idx);
    } else {
      index = idx.intValue();
    }
    long value = uint64(arg.get("value"), path + ".value", true);
    long valueTwo = uint64(arg.get("valueTwo"), path + ".valueTwo", false);
    JsonNode opNode = arg.get("op");
    String opName = opNode == null ? null : text(opNode, path + ".op");
    ArgCondition.Op op = opName == null ? null : OPS.get(opName);
    if (opNode == null) {
      errors.add(path + ".op is required");
    } else if (opName != null && op == null) {
      errors.add(path + ".op must be one of " + new java.util.TreeSet<>(OPS.keySet()) + ": " + opName);
    }
    if (index < 0 || op == null) {
      return null;
    }
    // libseccomp: SCMP_CMP_MASKED_EQ(mask = datum_a, datum = datum_b); valueTwo is ignored otherwise.
    return op == ArgCondition.Op.MASKED_EQ
        ? ArgCondition.maskedEq(index, value, valueTwo)
        : new ArgCondition(index, op, value, 0);
  }

  private long uint64(@Nullable JsonNode v, String path, boolean required) {
    if (v == null || v.isNull()) {
      if (required) {
        errors.add(path + " is required");
      }
      return 0;
    }
    if (!v.isIntegralNumber()) {
      errors.add(path + " must be an unsigned 64-bit integer: " + v);
      return 0;
    }
    BigInteger b = v.bigIntegerValue();
    if (b.signum() < 0 || b.compareTo(TWO_64) >= 0) {
      errors.add(path + " must be an unsigned 64-bit integer (0..18446744073709551615): " + b);
      return 0;
    }
    return b.longValue();
  }

  private int errno(JsonNode v, String path) {
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0
        || v.intValue() > SeccompAction.MAX_ERRNO) {
      errors.add(path + " must be an errno in 0.." + SeccompAction.MAX_ERRNO + ": " + v);
      return EPERM;
    }
    return v.intValue();
  }

  private @Nullable SeccompAction action(JsonNode v, String path, @Nullable Integer errnoRet) {
    String name = text(v, path);
    if (name == null) {
      return null;
    }
    SeccompAction.Kind kind = ACTIONS.get(name);
    if (kind == null) {
      errors.add(path + " must be one of " + new java.util.TreeSet<>(ACTIONS.keySet()) + ": " + name);
      return null;
    }
    if (errnoRet != null && kind != SeccompAction.Kind.ERRNO && kind != SeccompAction.Kind.TRACE) {
      errors.add(path + ": errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not " + name);
      return null;
    }
    switch (kind) {
      case ERRNO:
        return SeccompAction.errno(errnoRet == null ? EPERM : errnoRet);
      case TRACE:
        return SeccompAction.trace(errnoRet == null ? EPERM : errnoRet);
      default:
        return new SeccompAction(kind, 0);
    }
  }

  private @Nullable String text(JsonNode v, String path) {
    if (!v.isTextual()) {
      errors.add(path + " must be a string: " + v);
      return null;
    }
    return v.textValue();
  }

  private List<String> strings(JsonNode parent, String field, String path) {
    List<String> out = new ArrayList<>();
    int i = 0;
    for (JsonNode v : array(parent, field)) {
      String s = text(v, path + "[" + i++ + "]");
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  private Iterable<JsonNode> array(JsonNode parent, String field) {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      errors.add(field + " must be an array: " + v);
      return List.of();
    }
    List<JsonNode> items = new ArrayList<>();
    for (Iterator<JsonNode> it = v.elements(); it.hasNext(); ) {
      items.add(it.next());
    }
    return items;
  }
}
