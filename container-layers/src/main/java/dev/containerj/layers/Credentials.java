package dev.containerj.layers;

import dev.containerj.linux.InvalidValueException;
import java.util.Objects;

/**
 * A registry user name and password (or identity token). {@link #toString()} never shows the
 * secret, so a credential in a log line or an exception message leaks nothing.
 *
 * @param username the user name (for an identity token, {@code <token>} as Docker writes it)
 * @param secret the password or token
 */
public record Credentials(String username, String secret) {
  /**
   * Checks each component against its rule.
   *
   * @param username the user name (for an identity token, {@code <token>} as Docker writes it)
   * @param secret the password or token
   * @throws NullPointerException when a component that may not be null is null
   * @throws InvalidValueException naming the component, its value and the rule it breaks
   */
  public Credentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(secret, "secret");
    if (username.indexOf(':') >= 0) {
      throw new InvalidValueException("username", username,
          "must not contain ':' (basic auth separates it from the password there)");
    }
  }

  /**
   * Parses {@code USER:PASSWORD}, as {@code --creds} takes it; the password may contain ':'.
   *
   * @param userColonSecret {@code USER:PASSWORD}; the user part may not be empty
   * @return the credentials
   * @throws InvalidValueException without the secret in the message
   */
  public static Credentials parse(String userColonSecret) {
    int c = userColonSecret.indexOf(':');
    if (c <= 0) {
      throw new InvalidValueException("credentials", "(not shown)", "must be USER:PASSWORD");
    }
    return new Credentials(userColonSecret.substring(0, c), userColonSecret.substring(c + 1));
  }

  @Override
  public String toString() {
    return "Credentials[username=" + username + ", secret=<redacted>]";
  }
}
