package dev.containerj.oci.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON text to Jackson trees and back with Jackson's streaming parser and generator, never through
 * an {@code ObjectMapper}: the mapper's class initialisation builds its default date format (locale
 * data, calendars, number formats), 40-60 ms of a cold JVM, and the OCI runtime starts a JVM per
 * call. Nothing here calls {@code JsonNode.toString()} either, which goes through an internal mapper
 * of the same kind. The trees are the mapper's: {@code read} gives what {@code readTree} gives.
 *
 * <p>Used by the OCI reader for {@code config.json} and by {@code containerj-runtime} for its state
 * records, the state it prints and its log lines.
 */
public final class JsonTrees {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** The node factory of every tree built here (the mapper's default one). */
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTrees() {}

  /** {@return a new empty object node} */
  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** {@return a new empty array node} */
  public static ArrayNode array() {
    return NODES.arrayNode();
  }

  /**
   * {@return the JSON value of {@code text} as a tree}, as the mapper's {@code readTree} with its
   * defaults makes it: numbers as int, long or big integer nodes, or double nodes for fractions; a
   * repeated key keeps its last value; a text with no value gives the missing node; what follows
   * the first value is not read.
   *
   * @param text JSON text
   * @throws JsonProcessingException when {@code text} is not JSON
   */
  public static JsonNode read(String text) throws JsonProcessingException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      return t == null ? NODES.missingNode() : value(p, t);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("reading a string", e); // no I/O on a string but the parse
    }
  }

  /**
   * {@return the JSON object of {@code text}}
   *
   * @param text JSON text
   * @throws IOException when {@code text} is not JSON ({@code JsonProcessingException}) or its
   *     value is not an object
   */
  public static ObjectNode readObject(String text) throws IOException {
    JsonNode n = read(text);
    if (!n.isObject()) {
      throw new IOException("not a JSON object but " + n.getNodeType());
    }
    return (ObjectNode) n;
  }

  private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          o.set(name, value(p, p.nextToken()));
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          a.add(value(p, e));
        }
        return a;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new IOException("unexpected JSON token " + t + " at " + p.currentLocation());
    }
  }

  /**
   * {@return {@code node} as compact JSON}
   *
   * @param node a tree of this class's or the mapper's nodes
   */
  public static String write(JsonNode node) {
    return write(node, null);
  }

  /**
   * {@return {@code node} as indented JSON}, in the layout of Jackson's default pretty printer (as
   * {@code JsonNode.toPrettyString()}).
   *
   * @param node a tree of this class's or the mapper's nodes
   */
  public static String pretty(JsonNode node) {
    return write(node, new DefaultPrettyPrinter());
  }

  /**
   * {@return {@code node} as JSON laid out by {@code printer}} (as the mapper's {@code
   * writer(printer).writeValueAsString(node)})
   *
   * @param node a tree of this class's or the mapper's nodes
   * @param printer the layout; null for compact JSON
   */
  public static String write(JsonNode node, @Nullable PrettyPrinter printer) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      if (printer != null) {
        g.setPrettyPrinter(printer);
      }
      write(g, node);
    } catch (IOException e) {
      throw new IllegalStateException("JSON into a string cannot fail", e);
    }
    return w.toString();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    if (n.isObject()) {
      g.writeStartObject();
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        g.writeFieldName(e.getKey());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (n.isArray()) {
      g.writeStartArray();
      for (JsonNode e : n) {
        write(g, e);
      }
      g.writeEndArray();
    } else if (n.isTextual()) {
      g.writeString(n.textValue());
    } else if (n.isIntegralNumber()) {
      g.writeNumber(n.bigIntegerValue());
    } else if (n.isNumber()) {
      g.writeNumber(n.doubleValue());
    } else if (n.isBoolean()) {
      g.writeBoolean(n.booleanValue());
    } else if (n.isNull()) {
      g.writeNull();
    } else {
      throw new IllegalArgumentException("no JSON for a " + n.getNodeType() + " node");
    }
  }
}
