# mk/servers.mk: the compiled apps of harness/apps/ that some adapters run (issue 15), built before
# a report (they are part of HARNESS_LIBS) so that no server's first start compiles: WebSocket++
# over Asio took a minute under the shared machine's load. harness/apps/cbuild.sh builds each one
# the same way its adapter would at start (make removes the old binary first: cbuild.sh looks
# only at the source's time). An app whose library is not installed is not built (the
# adapter's check then skips that server).
APPS_BUILD := $(BUILD)/apps
SERVER_APPS := $(APPS_BUILD)/civetweb-echo $(APPS_BUILD)/soup-echo $(APPS_BUILD)/wspp-echo \
	$(APPS_BUILD)/poco-echo $(APPS_BUILD)/qt-echo
HARNESS_LIBS += $(SERVER_APPS)

$(APPS_BUILD)/civetweb-echo: harness/apps/civetweb_echo.c harness/apps/cbuild.sh
	$(call quiet,APP,$@)
	$(Q)if [ -f /usr/include/civetweb.h ]; then rm -f $@; sh harness/apps/cbuild.sh $< $@ -lcivetweb; \
	else echo "$@: not built, libcivetweb-dev is missing (make deps)"; fi

$(APPS_BUILD)/soup-echo: harness/apps/soup_echo.c harness/apps/cbuild.sh
	$(call quiet,APP,$@)
	$(Q)if pkg-config --exists libsoup-3.0; then rm -f $@; sh harness/apps/cbuild.sh $< $@ libsoup-3.0; \
	else echo "$@: not built, libsoup-3.0-dev is missing (make deps)"; fi

$(APPS_BUILD)/wspp-echo: harness/apps/wspp_echo.cpp harness/apps/cbuild.sh
	$(call quiet,APP,$@)
	$(Q)if [ -f /usr/include/websocketpp/server.hpp ] && [ -f /usr/include/asio.hpp ]; then \
	rm -f $@; sh harness/apps/cbuild.sh $< $@ ""; \
	else echo "$@: not built, libwebsocketpp-dev or libasio-dev is missing (make deps)"; fi

$(APPS_BUILD)/poco-echo: harness/apps/poco_echo.cpp harness/apps/cbuild.sh
	$(call quiet,APP,$@)
	$(Q)if [ -f /usr/include/Poco/Net/WebSocket.h ]; then \
	rm -f $@; sh harness/apps/cbuild.sh $< $@ "-lPocoNet -lPocoFoundation"; \
	else echo "$@: not built, libpoco-dev is missing (make deps)"; fi

$(APPS_BUILD)/qt-echo: harness/apps/qt_echo.cpp harness/apps/cbuild.sh
	$(call quiet,APP,$@)
	$(Q)if pkg-config --exists Qt5WebSockets; then \
	rm -f $@; sh harness/apps/cbuild.sh $< $@ "Qt5WebSockets Qt5Network Qt5Core"; \
	else echo "$@: not built, libqt5websockets5-dev is missing (make deps)"; fi
