# Homebrew formula for plistinject, built from the `make dist` tarball.
# Not yet in homebrew-core: copy into a tap (Formula/plistinject.rb) and set
# url and sha256 to a published release tarball.
class Plistinject < Formula
  desc "Embed a signature-bound Info.plist in a bare Mach-O command-line tool"
  homepage "https://example.invalid/plistinject"
  url "https://example.invalid/plistinject/plistinject-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"

  depends_on "pkgconf" => :build
  depends_on "libplist"
  depends_on "jansson"
  depends_on "openssl@3"

  def install
    system "./configure", "--disable-silent-rules", "--without-lief", *std_configure_args
    system "make", "install"
  end

  test do
    # the plist that would be embedded, without touching any binary
    plist = shell_output("#{bin}/plistinject --emit-plist --bundle-id com.example.tool --name tool")
    assert_match "<string>com.example.tool</string>", plist
    assert_match "NSLocalNetworkUsageDescription", plist
    # a real Mach-O built here, with header padding to spare, fixed and checked
    (testpath/"hello.c").write "int main(void) { return 0; }\n"
    system ENV.cc, "-o", testpath/"hello", testpath/"hello.c", "-Wl,-headerpad,0x1000"
    system bin/"plistinject", "--bundle-id", "com.example.hello", testpath/"hello", "-o", testpath/"hello-fixed"
    assert_match "ready", shell_output("#{bin}/plistinject --check #{testpath}/hello-fixed")
    system testpath/"hello-fixed"
  end
end
