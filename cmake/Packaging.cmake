# The production layout (install rules) and the Debian package built from it (CPack DEB).
#
#   deploy/build-deb.sh                     release build + cpack: the package to ship
#   cpack --config BUILD/CPackConfig.cmake -G DEB -B DIR
#                                           packages whatever BUILD holds (the test does this in
#                                           the dev and asan trees)
#
# Layout (deploy/README.md explains it to operators):
#   /usr/bin/ventanilla                     the binary
#   /etc/ventanilla/ventanilla.toml         deploy/ventanilla.toml, a conffile
#   /usr/share/ventanilla/{menus,data}      seed content (menus/, data/ with data/schema)
#   /usr/share/ventanilla/{kannel,nginx}    examples (deploy/kannel/, deploy/nginx/)
#   /usr/share/doc/ventanilla/              README.md, runbook.md (deploy/README.md), copyright
#   /lib/systemd/system/                    deploy/systemd/*.service, *.timer
# Created by deploy/debian/postinst, not shipped: the ventanilla user, /etc/ventanilla/secrets/
# and the pseudonymization key in it, /var/lib/ventanilla/.
#
# Paths under /usr are relative (CPACK_PACKAGING_INSTALL_PREFIX puts them under /usr); /etc and
# /lib/systemd are absolute because Debian puts them there whatever the prefix. A plain
# `cmake --install` is therefore not a supported way to install: use the package.

# Modes in the package come from the installed tree: fix directories at 0755 whatever the umask
# of the machine that builds it (files are 0644 and the binary 0755 by install()'s defaults).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# The production configuration is another file than config/ventanilla.toml (the local default):
# production paths, no key creation, secrets from files. Overridable to package a site's own.
set(VENTANILLA_PRODUCTION_CONFIG "${CMAKE_SOURCE_DIR}/deploy/ventanilla.toml"
    CACHE FILEPATH "Configuration installed as /etc/ventanilla/ventanilla.toml")

install(TARGETS ventanilla RUNTIME DESTINATION bin)
# Not OPTIONAL: packaging without it fails at install time naming the missing file.
install(FILES ${VENTANILLA_PRODUCTION_CONFIG} DESTINATION /etc/ventanilla RENAME ventanilla.toml)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/menus/ DESTINATION share/ventanilla/menus)
# data/ as a whole: the seed CSVs, schema/ (the migrations, for reference: the binary embeds
# them) and README.md, which holds the sources and the GeoNames attribution the licence requires.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/ DESTINATION share/ventanilla/data)
# Examples written alongside deploy/: OPTIONAL so a checkout without one still packages;
# tests/integration/deb_package_test.sh fails when a file of either directory is not shipped.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/kannel/ DESTINATION share/ventanilla/kannel OPTIONAL)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/nginx/ DESTINATION share/ventanilla/nginx OPTIONAL)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/deploy/debian/copyright
        DESTINATION share/doc/ventanilla)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/README.md DESTINATION share/doc/ventanilla
        RENAME runbook.md OPTIONAL)
install(FILES
          ${CMAKE_SOURCE_DIR}/deploy/systemd/ventanilla.service
          ${CMAKE_SOURCE_DIR}/deploy/systemd/ventanilla-backup.service
          ${CMAKE_SOURCE_DIR}/deploy/systemd/ventanilla-backup.timer
          ${CMAKE_SOURCE_DIR}/deploy/systemd/ventanilla-purge.service
          ${CMAKE_SOURCE_DIR}/deploy/systemd/ventanilla-purge.timer
        DESTINATION /lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ventanilla)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Every file strips to what a server needs; debug builds (the test's trees) shrink the most.
set(CPACK_STRIP_FILES TRUE)
set(CPACK_PACKAGE_CONTACT "Ventanilla maintainers <maintainers@ventanilla.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SMS and USSD information gateway for migrants")
# Wrapped here: dpkg shows the extended description as written (one line per line).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "Ventanilla answers USSD sessions and SMS from carriers (Africa's Talking,"
  "Twilio, Vonage, Infobip, Kannel, a generic JSON protocol) with menus in five"
  "languages and the nearest IOM-supported Information Hubs in Mexico and Central"
  "America. Phone numbers are pseudonymized with a keyed HMAC. The package runs"
  "it as a hardened systemd service, with daily backups and an hourly retention"
  "purge.")

# Debian revision of the upstream version: bump it for a packaging-only change.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # ventanilla_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binary itself (dpkg-shlibdeps, package dpkg-dev), so the list
# cannot drift from what it links. Listed by hand: adduser (postinst makes the system user) and
# procps (/bin/kill, ventanilla.service's ExecReload; Priority important, not essential).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm)
# Maintainer scripts 0755 and conffiles 0644 in control.tar whatever their modes in the checkout.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
