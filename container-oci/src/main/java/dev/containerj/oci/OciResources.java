package dev.containerj.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.core.SpecValidationException.Violation;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code linux.resources} of a runtime-spec config (also the file of {@code update --resources}) to
 * {@link CgroupLimits}. A field with no ContainerJ limit is refused by its JSON path; so is a
 * {@code unified} key other than the cgroup v2 files ContainerJ writes.
 */
final class OciResources {
  /** The keys of {@code linux.resources}: all read here, the unsupported ones refused here. */
  static final Set<String> KEYS = Set.of("devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits",
      "network", "rdma", "unified");

  private final List<Violation> violations;
  private final CgroupLimits.Builder b = CgroupLimits.builder();

  private OciResources(List<Violation> violations) {
    this.violations = violations;
  }

  /** Reads {@code node} found at JSON path {@code path}, adding each problem to {@code violations}. */
  static CgroupLimits read(JsonNode node, String path, List<Violation> violations) {
    OciResources r = new OciResources(violations);
    r.all(node, path);
    try {
      return r.b.build();
    } catch (IllegalArgumentException e) {
      violations.add(new Violation(path, "...", String.valueOf(e.getMessage())));
      return CgroupLimits.none();
    }
  }

  private void bad(String path, Object value, String rule) {
    violations.add(new Violation(path, String.valueOf(value), rule));
  }

  private void all(JsonNode res, String path) {
    for (Iterator<Map.Entry<String, JsonNode>> it = res.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String at = path + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      switch (e.getKey()) {
        case "devices" -> devices(v, at);
        case "memory" -> each(v, at, this::memory);
        case "cpu" -> each(v, at, this::cpu);
        case "pids" -> each(v, at, (k, n, p) -> {
          if (k.equals("limit")) {
            long l = n.asLong();
            // runtime-spec: 0 or -1 is no limit (runc treats both as max).
            if (l <= 0) {
              b.pidsUnlimited();
            } else {
              b.pidsMax(l);
            }
            return true;
          }
          return false;
        });
        case "blockIO" -> each(v, at, (k, n, p) -> {
          if (k.equals("weight")) {
            b.ioWeight(n.asLong());
            return true;
          }
          return false;
        });
        case "hugepageLimits" -> {
          for (int i = 0; i < v.size(); i++) {
            JsonNode h = v.get(i);
            if (h.size() != 2 || !h.path("pageSize").isTextual() || !h.path("limit").canConvertToLong()) {
              bad(at + "[" + i + "]", h, "must be {pageSize, limit}");
            } else {
              b.hugetlb(h.get("pageSize").asText(), h.get("limit").asLong());
            }
          }
        }
        case "unified" -> each(v, at, this::unified);
        default -> bad(at, v, "not supported by ContainerJ");
      }
    }
  }

  private interface Field {
    /** Applies one field; false when ContainerJ has no such limit. */
    boolean apply(String key, JsonNode value, String path);
  }

  private void each(JsonNode obj, String path, Field f) {
    if (!obj.isObject()) {
      bad(path, obj, "must be an object");
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String at = path + "." + e.getKey();
      if (e.getValue().isNull()) {
        continue;
      }
      if (!e.getValue().isTextual() && !e.getValue().isNumber() && !e.getValue().isBoolean()) {
        bad(at, e.getValue(), "must be a number or string");
        continue;
      }
      try {
        if (!f.apply(e.getKey(), e.getValue(), at)) {
          bad(at, e.getValue(), "not supported by ContainerJ");
        }
      } catch (IllegalArgumentException ex) {
        bad(at, e.getValue(), String.valueOf(ex.getMessage()));
      }
    }
  }

  private long memoryLimit = -1;
  private long swap = -1;

  private boolean memory(String key, JsonNode v, String path) {
    switch (key) {
      case "limit" -> {
        if (v.asLong() > 0) {
          memoryLimit = v.asLong();
          b.memoryMax(memoryLimit);
          applySwap(path);
        }
      }
      case "reservation" -> {
        if (v.asLong() > 0) {
          b.memoryLow(v.asLong());
        }
      }
      case "swap" -> {
        swap = v.asLong();
        applySwap(path);
      }
      // false is the kernel's behaviour anyway; true (no OOM kill) is not offered.
      case "disableOOMKiller" -> {
        return !v.asBoolean();
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** runtime-spec swap is memory+swap (v1's memsw); cgroup v2's memory.swap.max is swap alone. */
  private void applySwap(String path) {
    if (swap == -1 || memoryLimit == -1) {
      return;
    }
    if (swap < memoryLimit) {
      bad(path, swap, "linux.resources.memory.swap (memory+swap) must be >= memory.limit " + memoryLimit);
    } else {
      b.memorySwapMax(swap - memoryLimit);
    }
  }

  private boolean cpu(String key, JsonNode v, String path) {
    switch (key) {
      // crun's linear map of cpu.shares 2..262144 to cpu.weight 1..10000 (the inverse of V1Cpu's).
      case "shares" -> {
        if (v.asLong() > 0) {
          long shares = Math.max(2, Math.min(262144, v.asLong()));
          b.cpuWeight(1 + ((shares - 2) * 9999) / 262142);
        }
      }
      case "quota" -> {
        if (v.asLong() > 0) {
          b.cpuQuotaMicros(v.asLong());
        }
      }
      case "period" -> {
        if (v.asLong() > 0) {
          b.cpuPeriodMicros(v.asLong());
        }
      }
      case "cpus" -> {
        if (!v.asText().isEmpty()) {
          b.cpusetCpus(v.asText());
        }
      }
      case "mems" -> {
        if (!v.asText().isEmpty()) {
          b.cpusetMems(v.asText());
        }
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The cgroup v2 files ContainerJ manages; another one would be written by nobody. */
  private boolean unified(String key, JsonNode v, String path) {
    String s = v.asText().trim();
    switch (key) {
      case "memory.max" -> {
        if (!s.equals("max")) {
          b.memoryMax(Long.parseLong(s));
        }
      }
      case "memory.high" -> {
        if (!s.equals("max")) {
          b.memoryHigh(Long.parseLong(s));
        }
      }
      case "memory.low" -> b.memoryLow(Long.parseLong(s));
      case "memory.min" -> b.memoryMin(Long.parseLong(s));
      case "memory.swap.max" -> {
        if (!s.equals("max")) {
          b.memorySwapMax(Long.parseLong(s));
        }
      }
      case "pids.max" -> {
        if (s.equals("max")) {
          b.pidsUnlimited();
        } else {
          b.pidsMax(Long.parseLong(s));
        }
      }
      case "memory.oom.group" -> b.oomGroup(s.equals("1"));
      case "cpu.weight" -> b.cpuWeight(Long.parseLong(s));
      case "cpu.max" -> {
        String[] parts = s.split(" ");
        if (!parts[0].equals("max")) {
          b.cpuQuotaMicros(Long.parseLong(parts[0]));
        }
        if (parts.length > 1) {
          b.cpuPeriodMicros(Long.parseLong(parts[1]));
        }
      }
      case "cpuset.cpus" -> b.cpusetCpus(s);
      case "cpuset.mems" -> b.cpusetMems(s);
      case "io.weight" -> b.ioWeight(Long.parseLong(s));
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * runtime-spec device rules are applied in order, last match wins; ContainerJ has an allow-list
   * on top of its fixed safe set. So the list must start with "deny everything" (as runc, crun and
   * Podman write it) and may then only allow: those become extra entries of the allow-list.
   */
  private void devices(JsonNode list, String path) {
    List<DeviceRule> extra = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode d = list.get(i);
      String at = path + "[" + i + "]";
      boolean allow = d.path("allow").asBoolean(false);
      String type = d.path("type").asText("a");
      long major = d.hasNonNull("major") ? d.get("major").asLong() : DeviceRule.ANY;
      long minor = d.hasNonNull("minor") ? d.get("minor").asLong() : DeviceRule.ANY;
      String access = d.path("access").asText("rwm");
      for (Iterator<String> it = d.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!Set.of("allow", "type", "major", "minor", "access").contains(k)) {
          bad(at + "." + k, d.get(k), "not supported by ContainerJ");
        }
      }
      boolean denyAll = !allow && type.equals("a") && major == DeviceRule.ANY && minor == DeviceRule.ANY;
      if (i == 0 && denyAll) {
        continue;
      }
      if (!allow) {
        bad(at, d, i == 0 ? "the first rule must deny every device (ContainerJ's model is an allow-list)"
            : "only the first rule may deny (ContainerJ's model is an allow-list)");
        continue;
      }
      if (i == 0) {
        bad(at, d, "the first rule must deny every device (ContainerJ's model is an allow-list)");
        continue;
      }
      try {
        extra.add(new DeviceRule(type.isEmpty() ? 'a' : type.charAt(0), major, minor, access));
      } catch (IllegalArgumentException e) {
        bad(at, d, String.valueOf(e.getMessage()));
      }
    }
    if (!extra.isEmpty()) {
      List<DeviceRule> rules = new ArrayList<>(DeviceRule.containerDefaults());
      rules.addAll(extra);
      b.deviceAllowList(rules);
    }
  }
}
