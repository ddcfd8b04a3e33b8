package dev.containerj.namespaces.seccomp;

/**
 * A test on one 64-bit system call argument ({@code seccomp_data.args[index]}). Every comparison
 * is unsigned on all 64 bits, as the kernel passes the argument registers: {@code -1L} is
 * 0xffff_ffff_ffff_ffff, the largest value. A C {@code int} argument that the caller sign-extends
 * therefore compares as a huge number; write the value the register holds.
 *
 * @param index the argument, 0..5
 * @param op the comparison
 * @param value the value the argument (after masking, for {@link Op#MASKED_EQ}) is compared with
 * @param mask for {@link Op#MASKED_EQ} the bits of the argument that are compared; 0 for every
 *     other operator
 */
public record ArgCondition(int index, Op op, long value, long mask) {

  /** The comparison operators; the names are libseccomp's ({@code SCMP_CMP_*}). */
  public enum Op {
    /** argument == value */
    EQ,
    /** argument != value */
    NE,
    /** argument &lt; value (unsigned) */
    LT,
    /** argument &lt;= value (unsigned) */
    LE,
    /** argument &gt; value (unsigned) */
    GT,
    /** argument &gt;= value (unsigned) */
    GE,
    /** (argument &amp; mask) == value */
    MASKED_EQ
  }

  /**
   * Checks the index range and that only MASKED_EQ has a mask.
   *
   * @param index the argument, 0..5
   * @param op the comparison
   * @param value the value the argument (after masking, for {@link Op#MASKED_EQ}) is compared with
   * @param mask for {@link Op#MASKED_EQ} the bits of the argument that are compared; 0 for every
   *     other operator
   */
  public ArgCondition {
    if (index < 0 || index > 5) {
      throw new dev.containerj.linux.InvalidValueException("argument index", Integer.toString(index), "must be in 0..5");
    }
    if (op == null) {
      throw new NullPointerException("op");
    }
    if (op != Op.MASKED_EQ && mask != 0) {
      throw new dev.containerj.linux.InvalidValueException("mask", Long.toString(mask), "is taken only by MASKED_EQ, not " + op);
    }
  }

  /**
   * Argument {@code index} == value.
   *
   * @param index the argument, 0..5
   * @param value the value the argument is compared with
   * @return the condition
   */
  public static ArgCondition eq(int index, long value) {
    return new ArgCondition(index, Op.EQ, value, 0);
  }

  /**
   * Argument {@code index} != value.
   *
   * @param index the argument, 0..5
   * @param value the value the argument is compared with
   * @return the condition
   */
  public static ArgCondition ne(int index, long value) {
    return new ArgCondition(index, Op.NE, value, 0);
  }

  /**
   * Argument {@code index} &lt; value, unsigned.
   *
   * @param index the argument, 0..5
   * @param value the value the argument is compared with, unsigned
   * @return the condition
   */
  public static ArgCondition lt(int index, long value) {
    return new ArgCondition(index, Op.LT, value, 0);
  }

  /**
   * Argument {@code index} &lt;= value, unsigned.
   *
   * @param index the argument, 0..5
   * @param value the value the argument is compared with, unsigned
   * @return the condition
   */
  public static ArgCondition le(int index, long value) {
    return new ArgCondition(index, Op.LE, value, 0);
  }

  /**
   * Argument {@code index} &gt; value, unsigned.
   *
   * @param index the argument, 0..5
   * @param value the value the argument is compared with, unsigned
   * @return the condition
   */
  public static ArgCondition gt(int index, long value) {
    return new ArgCondition(index, Op.GT, value, 0);
  }

  /**
   * Argument {@code index} &gt;= value, unsigned.
   *
   * @param index the argument, 0..5
   * @param value the value the argument is compared with, unsigned
   * @return the condition
   */
  public static ArgCondition ge(int index, long value) {
    return new ArgCondition(index, Op.GE, value, 0);
  }

  /**
   * (argument {@code index} &amp; mask) == value: a test on some bits, as for clone(2) flags.
   *
   * @param index the argument, 0..5
   * @param mask the bits of the argument that are compared
   * @param value what those bits must be
   * @return the condition
   */
  public static ArgCondition maskedEq(int index, long mask, long value) {
    return new ArgCondition(index, Op.MASKED_EQ, value, mask);
  }

  /**
   * {@return whether an argument value satisfies this condition}
   *
   * @param argument the register's 64-bit value
   */
  public boolean test(long argument) {
    switch (op) {
      case EQ:
        return argument == value;
      case NE:
        return argument != value;
      case LT:
        return Long.compareUnsigned(argument, value) < 0;
      case LE:
        return Long.compareUnsigned(argument, value) <= 0;
      case GT:
        return Long.compareUnsigned(argument, value) > 0;
      case GE:
        return Long.compareUnsigned(argument, value) >= 0;
      case MASKED_EQ:
        return (argument & mask) == value;
      default:
        throw new AssertionError(op);
    }
  }

  @Override
  public String toString() {
    String v = "0x" + Long.toHexString(value);
    switch (op) {
      case MASKED_EQ:
        return "(arg" + index + " & 0x" + Long.toHexString(mask) + ") == " + v;
      case EQ:
        return "arg" + index + " == " + v;
      case NE:
        return "arg" + index + " != " + v;
      case LT:
        return "arg" + index + " < " + v;
      case LE:
        return "arg" + index + " <= " + v;
      case GT:
        return "arg" + index + " > " + v;
      default:
        return "arg" + index + " >= " + v;
    }
  }
}
