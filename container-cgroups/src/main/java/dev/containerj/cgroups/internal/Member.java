package dev.containerj.cgroups.internal;

/**
 * A controller in one hierarchy: {@code key} is {@code "unified"} for the v2 directory or the v1
 * controller name whose hierarchy holds the directory.
 */
record Member(Controller controller, String key) {
  static final String UNIFIED = "unified";
}
