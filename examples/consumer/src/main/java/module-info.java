/** A user's module: needs only ContainerJ's facade (the rest comes with it, transitively). */
module dev.containerj.consumer {
  requires dev.containerj.core;
}
