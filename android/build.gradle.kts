// The Tether Android library (AAR): generated UniFFI bindings + the Kotlin layer + the
// Android-only code, the per-ABI libtether_ffi.so files, JNA's AAR and the consumer keep rules.
// Not run in this repository's CI (no Android SDK, no Google Maven there): scripts/check-android
// compiles the same sources against android-all; scripts/build-android runs this build.
// Plugin versions live in settings.gradle.kts (standalone build); an app that includes this
// module as a subproject brings its own AGP and Kotlin plugins.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

/** Build output of scripts/ (git-ignored), under the repository this module lives in. */
val repoRoot: File = projectDir.parentFile
val generatedKotlin = File(repoRoot, "target/bindings/kotlin")
val jniLibsDir = File(repoRoot, "target/android/jniLibs")

android {
    namespace = "dev.tether"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
        // Where the instrumented suite finds the host's `tether serve` processes (one port per
        // scenario, androidTest TestServer.PORTS): the emulator reaches the host's loopback at
        // 10.0.2.2; a physical device uses `adb reverse` and http://127.0.0.1.
        testInstrumentationRunnerArguments["tetherServeUrl"] =
            System.getenv("TETHER_SERVE_URL") ?: "http://10.0.2.2"
    }

    buildTypes {
        release {
            // A library is not minified itself; consumer-rules.pro travels to the app's R8.
            isMinifyEnabled = false
        }
    }

    sourceSets {
        getByName("main") {
            kotlin.srcDirs("src/main/kotlin", generatedKotlin)
            jniLibs.srcDirs(jniLibsDir)
        }
        getByName("androidTest") {
            // One suite for the JVM runner (scripts/test-kotlin) and the device: src/sharedTest.
            kotlin.srcDirs("src/androidTest/kotlin", "src/sharedTest/kotlin")
            // The rules the JVM and instrumented suites share (sessions.rules.json).
            assets.srcDirs(File(repoRoot, "tests/fixtures/sync"))
        }
    }

    packaging {
        jniLibs {
            // Uncompressed in the APK (the default for minSdk >= 23), so AGP >= 8.5.1 aligns them
            // to 16 KB and the loader maps them in place.
            useLegacyPackaging = false
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The AAR flavour carries libjnidispatch.so for every ABI; the plain jar does not.
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")

    androidTestImplementation("androidx.test:runner:1.6.2")
    androidTestImplementation("junit:junit:4.13.2")
}

// Fail early with the fix instead of an UnsatisfiedLinkError on a device.
val checkNativeInputs by tasks.registering {
    doLast {
        check(File(generatedKotlin, "dev/tether/tether_ffi.kt").isFile) {
            "missing ${generatedKotlin}/dev/tether/tether_ffi.kt: run scripts/build-android (or scripts/generate-bindings)"
        }
        // scripts/build-android builds and checks all four ABIs; here at least one must exist.
        val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64", "x86")
        check(abis.any { File(jniLibsDir, "$it/libtether_ffi.so").isFile }) {
            "no libtether_ffi.so under $jniLibsDir/<abi>/: run scripts/build-android"
        }
    }
}
tasks.named("preBuild") { dependsOn(checkNativeInputs) }
