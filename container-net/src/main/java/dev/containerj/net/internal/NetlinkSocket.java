package dev.containerj.net.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Errors;
import dev.containerj.linux.internal.Fd;
import dev.containerj.net.NetlinkException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An AF_NETLINK / NETLINK_ROUTE socket (netlink(7), rtnetlink(7)). One request at a time: each gets
 * the next sequence number, and the answer is read until its ACK (an NLMSG_ERROR with error 0), its
 * error, or the NLMSG_DONE that ends a multi-part dump. Messages with another sequence number (left
 * over from an interrupted request) are skipped. The socket belongs to the network namespace of the
 * thread that opened it, and can then be used from any thread.
 */
public final class NetlinkSocket implements AutoCloseable {
  private static final int RX_SIZE = 1 << 16;
  private static final int MAX_DUMP_RETRIES = 5;

  private final Fd fd;
  private final int portId;
  private ByteBuffer rx;
  private ByteBuffer tx = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
  private final byte[] kernel = sockaddrNl(0);
  private int seq = (int) (System.nanoTime() & 0x3fffffff);
  private volatile @Nullable Consumer<byte[]> recorder;

  private NetlinkSocket(Fd fd, int portId, int receiveBuffer) {
    this.fd = fd;
    this.portId = portId;
    this.rx = ByteBuffer.allocateDirect(receiveBuffer).order(ByteOrder.nativeOrder());
  }

  /** Opens a socket in the calling thread's network namespace. */
  public static NetlinkSocket open() throws IOException {
    return open(RX_SIZE);
  }

  /** As {@link #open()}, with a first receive buffer of {@code receiveBuffer} bytes (it grows as needed). */
  public static NetlinkSocket open(int receiveBuffer) throws IOException {
    int s;
    try {
      s = SocketLibC.socket(Nl.AF_NETLINK, Nl.SOCK_RAW | Nl.SOCK_CLOEXEC, Nl.NETLINK_ROUTE);
    } catch (LastErrorException e) {
      throw Errors.exception("socket", "AF_NETLINK NETLINK_ROUTE", e);
    }
    Fd fd = new Fd(s);
    try {
      int[] one = {1};
      // Extended ack: the kernel explains its errors in text (since 4.12); capped acks keep them short.
      setOpt(s, Nl.SOL_NETLINK, Nl.NETLINK_EXT_ACK, one);
      setOpt(s, Nl.SOL_NETLINK, Nl.NETLINK_CAP_ACK, one);
      int[] bufSize = {1 << 20};
      try {
        SocketLibC.setsockopt(s, Nl.SOL_SOCKET, Nl.SO_RCVBUF, bufSize, 4);
      } catch (LastErrorException ignored) {
        // the default buffer works too, dumps just take more round trips
      }
      SocketLibC.bind(s, sockaddrNl(0), 12);
      byte[] addr = new byte[12];
      int[] len = {12};
      SocketLibC.getsockname(s, addr, len);
      int port = ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(4);
      return new NetlinkSocket(fd, port, receiveBuffer);
    } catch (LastErrorException e) {
      fd.close();
      throw Errors.exception("bind", "AF_NETLINK NETLINK_ROUTE", e);
    } catch (IOException | RuntimeException e) {
      fd.close();
      throw e;
    }
  }

  private static void setOpt(int s, int level, int opt, int[] value) throws IOException {
    try {
      SocketLibC.setsockopt(s, level, opt, value, 4);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Constants.EINVAL && e.getErrorCode() != 92 /* ENOPROTOOPT */) {
        throw Errors.exception("setsockopt", "SOL_NETLINK " + opt, e);
      }
    }
  }

  private static byte[] sockaddrNl(int pid) {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
    b.putShort((short) Nl.AF_NETLINK).putShort((short) 0).putInt(pid).putInt(0);
    return b.array();
  }

  /** The port id the kernel gave this socket. */
  public int portId() {
    return portId;
  }

  /** Sees every datagram received (a copy), for capturing kernel answers in tests; null to stop. */
  public void recorder(@Nullable Consumer<byte[]> recorder) {
    this.recorder = recorder;
  }

  /**
   * Sends {@code request} and returns the messages of its answer (for a dump, every part; for an
   * acknowledged request, the messages before the ACK, often none). A kernel error becomes a
   * {@link NetlinkException}. A dump the kernel marks as interrupted (NLM_F_DUMP_INTR: the table
   * changed meanwhile) is repeated.
   */
  public synchronized List<NlMessage> execute(NlRequest request) throws IOException {
    boolean dump = (request.flags() & Nl.NLM_F_DUMP) == Nl.NLM_F_DUMP && isGet(request.type());
    for (int attempt = 0; ; attempt++) {
      List<NlMessage> answer = new ArrayList<>();
      boolean interrupted = executeOnce(request, dump, answer);
      if (!interrupted || attempt >= MAX_DUMP_RETRIES) {
        return answer;
      }
    }
  }

  /**
   * What the kernel answered to one request of a {@link #executeBatch batch}.
   *
   * @param messages the messages before its ACK (a GET's one answer; often none)
   * @param error its refusal, or null when it was acknowledged
   */
  public record Answer(List<NlMessage> messages, @Nullable NetlinkException error) {
    /** {@return the messages; throws the request's error, if it had one} */
    public List<NlMessage> orThrow() throws NetlinkException {
      if (error != null) {
        throw error;
      }
      return messages;
    }
  }

  /**
   * Sends every request in one datagram (one sendto(2)) and reads the answers until each has its ACK
   * or its error: the kernel runs the messages of a datagram one after the other, in order, each as
   * if it came alone (netlink_rcv_skb), and answers each; a refused one does not stop the ones after
   * it. So a batch of N requests costs one system call each way instead of N round trips. Every
   * request must carry NLM_F_ACK (so that its end is known) and none may be a dump.
   *
   * @param requests the requests, sent in this order
   * @return one answer per request, in order; the caller decides what a refusal means
   * @throws IOException when the socket fails
   * @throws IllegalArgumentException when a request is a dump or carries no NLM_F_ACK
   */
  public synchronized List<Answer> executeBatch(List<NlRequest> requests) throws IOException {
    int count = requests.size();
    int first = seq + 1;
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    for (NlRequest r : requests) {
      if ((r.flags() & Nl.NLM_F_ACK) == 0 || ((r.flags() & Nl.NLM_F_DUMP) == Nl.NLM_F_DUMP && isGet(r.type()))) {
        throw new IllegalArgumentException("a batched request needs NLM_F_ACK and must not be a dump: " + r.description());
      }
      all.writeBytes(r.toBytes(++seq, portId)); // messages are 4-byte aligned by construction
    }
    if (count == 0) {
      return List.of();
    }
    send(all.toByteArray(), requests.get(0));
    List<List<NlMessage>> messages = new ArrayList<>();
    NetlinkException[] errors = new NetlinkException[count];
    boolean[] done = new boolean[count];
    for (int i = 0; i < count; i++) {
      messages.add(new ArrayList<>());
    }
    int left = count;
    while (left > 0) {
      int n = receive(requests.get(0));
      ByteBuffer datagram = rx.duplicate().order(ByteOrder.nativeOrder());
      datagram.position(0).limit(n);
      for (NlMessage m : NlMessage.parseAll(datagram)) {
        int i = m.seq() - first;
        if (i < 0 || i >= count || done[i] || (m.portId() != portId && m.portId() != 0)) {
          continue; // an answer to an earlier request that was abandoned
        }
        if (m.type() == Nl.NLMSG_ERROR) {
          int error = m.payload().getInt(0);
          if (error != 0) {
            errors[i] = error(requests.get(i), -error, extendedAck(m, true));
          }
          done[i] = true;
          left--;
        } else if (m.type() != Nl.NLMSG_NOOP && m.type() != Nl.NLMSG_DONE) {
          messages.get(i).add(m);
        }
      }
    }
    List<Answer> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new Answer(messages.get(i), errors[i]));
    }
    return out;
  }

  private static boolean isGet(int type) {
    return type == Nl.RTM_GETLINK || type == Nl.RTM_GETADDR || type == Nl.RTM_GETROUTE;
  }

  private boolean executeOnce(NlRequest request, boolean dump, List<NlMessage> answer) throws IOException {
    int mySeq = ++seq;
    byte[] bytes = request.toBytes(mySeq, portId);
    send(bytes, request);
    boolean interrupted = false;
    while (true) {
      int n = receive(request);
      ByteBuffer datagram = rx.duplicate().order(ByteOrder.nativeOrder());
      datagram.position(0).limit(n);
      Consumer<byte[]> rec = recorder;
      if (rec != null) {
        byte[] copy = new byte[n];
        datagram.duplicate().get(copy);
        rec.accept(copy);
      }
      for (NlMessage m : NlMessage.parseAll(datagram)) {
        if (m.seq() != mySeq || (m.portId() != portId && m.portId() != 0)) {
          continue; // an answer to an earlier request that was abandoned
        }
        if ((m.flags() & Nl.NLM_F_DUMP_INTR) != 0) {
          interrupted = true;
        }
        if (m.type() == Nl.NLMSG_ERROR) {
          ByteBuffer p = m.payload();
          int error = p.getInt(0);
          if (error == 0) {
            return interrupted;
          }
          throw error(request, -error, extendedAck(m, true));
        }
        if (m.type() == Nl.NLMSG_DONE) {
          ByteBuffer p = m.payload();
          int error = p.remaining() >= 4 ? p.getInt(0) : 0;
          if (error < 0) {
            throw error(request, -error, extendedAck(m, false));
          }
          return interrupted;
        }
        if (m.type() == Nl.NLMSG_NOOP) {
          continue;
        }
        answer.add(m);
        if (!dump && (m.flags() & Nl.NLM_F_MULTI) == 0 && (request.flags() & Nl.NLM_F_ACK) == 0) {
          return interrupted;
        }
      }
    }
  }

  /** The NLMSGERR_ATTR_MSG text of an error or DONE message, or null. */
  public static @Nullable String extendedAck(NlMessage m, boolean isError) {
    if ((m.flags() & Nl.NLM_F_ACK_TLVS) == 0) {
      return null;
    }
    ByteBuffer p = m.payload();
    int offset = 4;
    if (isError) {
      if (p.remaining() < 4 + Nl.NLMSG_HDRLEN) {
        return null;
      }
      int origLen = p.getInt(4);
      offset += (m.flags() & Nl.NLM_F_CAPPED) != 0 ? Nl.NLMSG_HDRLEN : Nl.align(origLen);
    }
    if (offset > p.limit()) {
      return null;
    }
    p.position(offset);
    return NlAttrs.parse(p).string(Nl.NLMSGERR_ATTR_MSG);
  }

  /** The exception for a kernel error on {@code request}. */
  public static NetlinkException error(NlRequest request, int errno, @Nullable String ack) {
    return new NetlinkException(Nl.typeName(request.type()), request.description(), errno, ack);
  }

  private void send(byte[] bytes, NlRequest request) throws IOException {
    if (tx.capacity() < bytes.length) {
      tx = ByteBuffer.allocateDirect(Math.max(bytes.length, tx.capacity() * 2));
    }
    tx.clear();
    tx.put(bytes);
    tx.flip(); // JNA passes the buffer's address plus its position
    while (true) {
      try {
        SocketLibC.sendto(fd.get(), tx, bytes.length, 0, kernel, kernel.length);
        return;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Constants.EINTR) {
          throw Errors.exception("sendto", Nl.typeName(request.type()) + " " + request.description(), e);
        }
      }
    }
  }

  /**
   * Receives one datagram into {@link #rx}. It is peeked first (MSG_PEEK | MSG_TRUNC gives its real
   * size) and the buffer grown if needed, so an unusually large message (a link with many VFs) is
   * never cut off.
   */
  private int receive(NlRequest request) throws IOException {
    while (true) {
      try {
        rx.clear();
        long size = SocketLibC.recvfrom(fd.get(), rx, rx.capacity(), Nl.MSG_PEEK | Nl.MSG_TRUNC, null, null);
        if (size > rx.capacity()) {
          rx = ByteBuffer.allocateDirect((int) Math.max(size, 2L * rx.capacity())).order(ByteOrder.nativeOrder());
        }
        rx.clear();
        long n = SocketLibC.recvfrom(fd.get(), rx, rx.capacity(), 0, null, null);
        return (int) n;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Constants.EINTR) {
          throw Errors.exception("recvfrom", Nl.typeName(request.type()) + " " + request.description(), e);
        }
      }
    }
  }

  /** Closes the socket; idempotent. */
  @Override
  public void close() {
    fd.close();
  }
}
