// android/ as a standalone Gradle build (scripts/build-android runs it with `gradle -p android`).
// AGP and Google's Maven repository are not reachable from this repository's CI: nothing here
// has been run. Versions: AGP 8.13.2 is the first AGP whose R8 handles Kotlin 2.3 metadata
// (developer.android.com/build/kotlin-support); AGP 8.13 needs Gradle >= 8.13 and JDK 17.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    plugins {
        id("com.android.library") version "8.13.2"
        id("org.jetbrains.kotlin.android") version "2.3.20"
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "tether-android"
