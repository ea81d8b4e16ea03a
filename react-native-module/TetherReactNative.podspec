# The iOS half of @tether-sync/react-native (autolinked by React Native's CocoaPods scripts).
#
# One pod, one Swift module named `Tether`:
#   ios/*.{h,mm,swift}          the TurboModule entry point and the observer starter
#   cpp/**                      the JSI installer, the C++ TurboModule and the uniffi-bindgen-
#                               react-native bindings (cpp/generated/)
#   ios/tether/**.swift         the Tether Swift layer + generated Swift bindings (placed by
#                               scripts/place-native.js), so native screens `import Tether` too
#   ios/TetherFFI.xcframework   the Rust core as a static library, linked once into the app:
#                               JS and native code share one core (its process signals and
#                               shared clients). Do not add the Tether Swift package as well.
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))

# uniffi-bindgen-react-native's C++ runtime headers, wherever npm put the package.
ubrn_dir = `cd "#{__dir__}" && node --print "require('path').dirname(require.resolve('uniffi-bindgen-react-native/package.json'))"`.strip
raise "@tether-sync/react-native: uniffi-bindgen-react-native not found" if ubrn_dir.empty?
unless File.exist?(File.join(__dir__, "ios", "TetherFFI.xcframework", "Info.plist"))
  raise "@tether-sync/react-native: ios/TetherFFI.xcframework missing; run `node scripts/place-native.js --from <bundle>`"
end

Pod::Spec.new do |s|
  s.name         = "TetherReactNative"
  s.module_name  = "Tether"
  s.version      = package["version"]
  s.summary      = package["description"]
  s.homepage     = package["repository"]["url"].sub(/^git\+/, "").sub(/\.git$/, "")
  s.license      = package["license"]
  s.authors      = "Tether contributors"
  s.platforms    = { :ios => "15.1" }
  s.source       = { :git => package["repository"]["url"].sub(/^git\+/, ""), :tag => "v#{s.version}" }
  s.swift_version = "5.9"

  s.source_files = "ios/*.{h,mm,swift}", "ios/tether/**/*.swift", "cpp/**/*.{h,hpp,cpp}"
  # ObjC++/C++ headers stay out of the Swift module's umbrella header.
  s.private_header_files = "ios/*.h", "cpp/**/*.{h,hpp}"
  s.vendored_frameworks = "ios/TetherFFI.xcframework"

  s.pod_target_xcconfig = {
    "CLANG_CXX_LANGUAGE_STANDARD" => "c++20",
    "HEADER_SEARCH_PATHS" => "\"#{ubrn_dir}/cpp/includes\" \"$(PODS_TARGET_SRCROOT)/cpp\"",
    "DEFINES_MODULE" => "YES",
  }

  install_modules_dependencies(s)
end
