# The Debian package: `cmake --build build --target package` builds everything, then writes
# build/replay_<version>_<arch>.deb (docs/packaging.md). It installs, under /usr:
#   bin/replay, bin/agent-sim                  (install() rules in src/cli, tools/agent-sim)
#   share/replay/traces/*.json, *.zst          (bundled scenarios and traces: `replay synth NAME`)
#   share/doc/replay/README.md, docs/*.md      (the README's links to docs/ still resolve)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/traces/ DESTINATION ${REPLAY_INSTALL_SCENARIO_DIR}
  FILES_MATCHING PATTERN "*.json" PATTERN "*.zst")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
  FILES_MATCHING PATTERN "*.md")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME replay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "replay")
set(CPACK_PACKAGE_CONTACT "replay maintainers <replay-maintainers@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "open-loop HTTP load replayer")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "replays recorded or synthesised HTTP traffic at its intended times (open loop),\n\
measuring latency from when each request was due, not from when it was written.\n\
Includes agent-sim, a simulated AI-agent platform to replay against, and the\n\
bundled scenarios for `replay synth`.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the binaries' own NEEDED libraries (dpkg-shlibdeps, from dpkg-dev, which
# build-essential pulls in): libc6, libstdc++6, libgcc-s1, libuv1, libssl3, libzstd1, libwslay1
# (agent-sim's WebSocket), and under the asan preset libasan8 and libubsan1, each with the
# version the build linked against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# replay verifies https targets against the system's CA store.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
# Release binaries ship stripped; sanitizer builds keep their symbols for readable reports.
if(NOT CMAKE_BUILD_TYPE STREQUAL "Asan")
  set(CPACK_STRIP_FILES ON)
endif()
include(CPack)
