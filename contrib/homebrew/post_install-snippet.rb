# post_install snippet for another formula whose CLI must be identifiable to
# macOS privacy controls (Local Network): add `depends_on "plistinject"` and
# this method to the formula.  The run is idempotent, so a reinstall or an
# upgrade that re-runs post_install changes nothing more.
class ExampleTool < Formula
  depends_on "plistinject"

  def post_install
    system Formula["plistinject"].opt_bin/"plistinject", "--in-place", "-q",
           "--bundle-id", "com.example.tool",
           "--local-network-usage", "example-tool talks to devices on your local network.",
           bin/"example-tool"
    # exit status 3 means some slice is not ready: fail loudly
    system Formula["plistinject"].opt_bin/"plistinject", "--check", bin/"example-tool"
  end
end
