package io.machinehost.sdk;

/** The operation that discards progress and is never cancelled. */
enum NoOperation implements Operation {
  INSTANCE;

  @Override
  public void progress(String step, String message) {}

  @Override
  public void progress(String step, String message, double fraction) {}

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public void onCancel(Runnable action) {}
}
