# node.cmake — registers the Node-based suites with ctest (included by tests/CMakeLists.txt).
#
# contract/*: the OpenAPI lint, the freshness of the generated TypeScript types and the
# response validator's own tests; they need node_modules (npm ci) but no server.
# api/*: one ctest test per tests/api/*.test.mjs, black-box against the server at
# STOREFRONT_BASE_URL, which make test sets. Without it they fail (never skip), so a
# green run always means the API was exercised.
find_program(SF_NODE node)
find_program(SF_NPX npx)
find_program(SF_NPM npm)
if(NOT SF_NODE OR NOT SF_NPX OR NOT SF_NPM)
  message(WARNING "node/npx/npm not found: contract/* and api/* tests are not registered")
  return()
endif()

add_test(NAME contract/openapi-lint
  COMMAND ${SF_NPX} --no-install redocly lint openapi.yaml
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME contract/types-fresh
  COMMAND ${SF_NPM} run --silent types:check
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME contract/validator
  COMMAND ${SF_NODE} --test tests/contract/
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(contract/openapi-lint contract/types-fresh contract/validator
  PROPERTIES LABELS contract)

file(GLOB SF_API_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/api/*.test.mjs)
foreach(file ${SF_API_TESTS})
  get_filename_component(name ${file} NAME)
  string(REGEX REPLACE "\\.test\\.mjs$" "" name ${name})
  # The env check lives in the command so an unset variable is a clear failure at test
  # time, whatever the environment was when cmake configured.
  add_test(NAME api/${name}
    COMMAND sh -c "if [ -z \"$STOREFRONT_BASE_URL\" ]; then echo 'api/${name}: STOREFRONT_BASE_URL is not set; run the API tests through make test, or export it to point at a running server' >&2; exit 1; fi; exec \"$0\" --test \"$1\"" ${SF_NODE} ${file}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(api/${name} PROPERTIES LABELS api)
endforeach()
# The unpaid-order sweeper test starts a server that cancels every manual order older
# than 1 s in the shared database: nothing else may run beside it.
if(TEST api/unpaid-sweep)
  set_tests_properties(api/unpaid-sweep PROPERTIES RUN_SERIAL TRUE)
endif()
# Servers with a refund sender (REFUND_RESEND_SECONDS) send every due refund in the
# shared database with their own Stripe key: one such file at a time.
foreach(t api/refunds api/stripe-sender)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES RESOURCE_LOCK refund-sender)
  endif()
endforeach()
# The README tour uses the demo shopper's cart, as api/carts does.
if(TEST api/readme-tour)
  set_tests_properties(api/readme-tour PROPERTIES RUN_SERIAL TRUE)
endif()
# The staff catalog test creates, renames, archives and deletes public products,
# categories and brands: the catalog readers (lists walked page by page, facet counts,
# ETag revalidation) must not see it change under them.
# admin-orders asserts exact stock deltas on a seed variant that the inventory tests and
# the tours also sell or adjust: run alone so no other test moves that stock meanwhile
# (a fresh-clone run saw 115 for 116 once).
if(TEST api/admin-orders)
  set_tests_properties(api/admin-orders PROPERTIES RUN_SERIAL TRUE)
endif()
# The README's staff tour adds a public product and uses the demo shopper's cart.
if(TEST api/readme-staff-tour)
  set_tests_properties(api/readme-staff-tour PROPERTIES RUN_SERIAL TRUE)
endif()
if(TEST api/admin-catalog)
  set_tests_properties(api/admin-catalog PROPERTIES RUN_SERIAL TRUE)
endif()
# The README's money tour buys the first in-stock product, as the other tours do.
if(TEST api/readme-money-tour)
  set_tests_properties(api/readme-money-tour PROPERTIES RUN_SERIAL TRUE)
endif()

# e2e/*: the real AWS Clickstream web SDK in a real Chromium (Debian's chromium package,
# installed by localstack/bootstrap.sh; driven by the npm playwright-core).
# e2e/clickstream-sdk-capture records what the SDK sends (a capture server of its own);
# e2e/clickstream-sdk points the SDK at the server's POST /v1/clickstream and checks
# that its events land in the events table.
foreach(name clickstream-sdk-capture clickstream-sdk)
  add_test(NAME e2e/${name}
    COMMAND sh -c "if [ -z \"$STOREFRONT_BASE_URL\" ]; then echo 'e2e/${name}: run it through make test' >&2; exit 1; fi; exec \"$0\" --test \"$1\"" ${SF_NODE} tests/e2e/${name}.test.mjs
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(e2e/${name} PROPERTIES LABELS e2e)
endforeach()
# The clickstream tests that hold locks on events partitions (events-limits) or create
# and drop partitions, which locks the whole events table (events-partitions), would
# stall each other and other servers' inserts: each runs alone.
foreach(t api/events-limits api/events-partitions)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()

# >>> node spa (typed client, reference SPA, browser journey): insert below this line
# contract/typecheck: tsc --strict over the typed client (frontend-contract/client, with
# its type-level tests) and the reference SPA (frontend-contract/spa).
add_test(NAME contract/typecheck
  COMMAND ${SF_NPX} --no-install tsc --noEmit -p frontend-contract/tsconfig.json
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(contract/typecheck PROPERTIES LABELS contract)
# e2e/storefront-journey: the reference SPA built by Vite inside the test, served on its
# own origin, driven in Chromium through browse → guest cart → sign-in → checkout →
# orders; a server of its own (CORS for that origin), a cognito-local app client with
# 4 s access tokens (refresh), the order and the clickstream checked through the API;
# then a sign-up confirmed with the code from cognito-local's log (COGNITO_LOCAL_LOG).
add_test(NAME e2e/storefront-journey
  COMMAND sh -c "if [ -z \"$STOREFRONT_BASE_URL\" ]; then echo 'e2e/storefront-journey: run it through make test' >&2; exit 1; fi; exec \"$0\" --test \"$1\"" ${SF_NODE} tests/e2e/storefront-journey.test.mjs
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e/storefront-journey PROPERTIES LABELS e2e RUN_SERIAL TRUE)
# <<< node spa
# >>> node postman (the newman scenario): insert below this line
# contract/postman-fresh: the committed Postman collection matches openapi.yaml.
add_test(NAME contract/postman-fresh
  COMMAND ${SF_NPM} run --silent postman:check
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(contract/postman-fresh PROPERTIES LABELS contract)
# postman/scenario: the Postman scenario (browse, sign in, cart, quote, checkout, order
# history, staff marks paid) run by newman against the test server and cognito-local,
# every API response also checked against openapi.yaml (tests/postman/run-scenario.mjs);
# tests/postman/scenario.test.mjs also runs a broken copy, which must fail, and the
# generated collection's catalog folders. Runs alone: it uses the demo shopper's cart, as
# the README tours do.
add_test(NAME postman/scenario
  COMMAND sh -c "if [ -z \"$STOREFRONT_BASE_URL\" ]; then echo 'postman/scenario: run it through make test' >&2; exit 1; fi; exec \"$0\" --test \"$1\"" ${SF_NODE} tests/postman/scenario.test.mjs
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(postman/scenario PROPERTIES LABELS postman RUN_SERIAL TRUE)
# <<< node postman
# >>> node cache15 (the catalog response cache): insert below this line
# The catalog cache test counts catalog versions (a bulk statement is one bump, a checkout
# that leaves stock in its class none): any other test writing the catalog meanwhile would
# move them.
if(TEST api/catalog-cache)
  set_tests_properties(api/catalog-cache PROPERTIES RUN_SERIAL TRUE)
endif()
# <<< node cache15
# >>> node http15 (the connection layer: slow clients, shutdown): insert below this line
# Both start servers of their own and open dozens of connections from several loopback
# addresses (limits per address and in all): nothing else may run beside them.
foreach(t http-slow-clients http-shutdown)
  if(TEST api/${t})
    set_tests_properties(api/${t} PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()
# <<< node http15
# >>> node pool15 (per-worker connections, reconnect backoff): insert below this line
# <<< node pool15
