package dev.containerj.examples.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;

/**
 * The runtime's JSON (its state records, the state it prints, its log lines) read and written with
 * Jackson's streaming parser and generator over the tree nodes, never through an
 * {@code ObjectMapper}: the mapper's class initialisation builds its default date format (locale
 * data, calendars, number formats), 40-60 ms of a cold JVM that {@code start}, {@code state},
 * {@code kill} and {@code delete} paid for a record of a few fields. Nothing here calls
 * {@code JsonNode.toString()} either, which goes through an internal mapper of the same kind.
 *
 * <p>The bundle's {@code config.json} is still read by the OCI reader (with its mapper), on the calls
 * that need it: {@code create}, and {@code start}/{@code delete} only when the create recorded hooks
 * that they run.
 */
final class StateJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** The node factory of every tree this runtime builds. */
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private StateJson() {}

  /** {@return a new empty object node} */
  static ObjectNode object() {
    return NODES.objectNode();
  }

  /** {@return a new empty array node} */
  static ArrayNode array() {
    return NODES.arrayNode();
  }

  /**
   * {@return the JSON value of {@code text} as a tree}: numbers as int, long or big integer nodes, or
   * double nodes for fractions, as the mapper's {@code readTree} makes them; a repeated key keeps its
   * last value, as there.
   *
   * @throws IOException when {@code text} is not one JSON value
   */
  static JsonNode read(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IOException("no JSON value in an empty text");
      }
      JsonNode n = value(p, t);
      if (p.nextToken() != null) {
        throw new IOException("more than one JSON value at " + p.currentLocation());
      }
      return n;
    }
  }

  /** {@return the JSON object of {@code text}} or an IOException when it is another value. */
  static ObjectNode readObject(String text) throws IOException {
    JsonNode n = read(text);
    if (!n.isObject()) {
      throw new IOException("not a JSON object: " + n.getNodeType());
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

  /** {@return {@code node} as compact JSON} */
  static String write(JsonNode node) {
    return write(node, false);
  }

  /** {@return {@code node} as indented JSON}, the layout of Jackson's default pretty printer. */
  static String pretty(JsonNode node) {
    return write(node, true);
  }

  private static String write(JsonNode node, boolean pretty) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
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
