# deploy.cmake — the deployment checks (included by tests/CMakeLists.txt), all offline:
#
# deploy/synth        `cdk synth` of the CDK app in deploy/ with cdk.json's dummy account:
#                     no AWS credentials, no lookups, no notices or telemetry calls.
# deploy/assertions   aws-cdk-lib/assertions tests of the synthesized templates (deploy/test).
# deploy/typecheck    tsc --noEmit over the app and its tests.
# deploy/runtime-libs the Dockerfile's runtime packages provide every library
#                     `ldd build/storefront` lists (tests/deploy/runtime-libs.sh).
# deploy/image        (label deploy-image) builds the image with podman and runs it against
#                     the test PostgreSQL; localstack/bootstrap.sh installs podman, buildah and
#                     mmdebstrap, and it is registered only where they are (docs/aws.md).
find_program(SF_DEPLOY_NPX npx)
find_program(SF_DEPLOY_NODE node)
if(NOT SF_DEPLOY_NPX OR NOT SF_DEPLOY_NODE)
  message(WARNING "node/npx not found: deploy/* tests are not registered")
  return()
endif()
set(SF_DEPLOY_DIR ${CMAKE_SOURCE_DIR}/deploy)
set(SF_DEPLOY_ENV CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
  AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= AWS_PROFILE= AWS_CONFIG_FILE=/dev/null
  AWS_SHARED_CREDENTIALS_FILE=/dev/null)

# The output goes to a fresh directory under the build tree, so two runs never share it.
add_test(NAME deploy/synth
  COMMAND sh -c "out=\"$1/deploy-cdk.out\" && rm -rf \"$out\" && exec \"$0\" --no-install cdk synth --quiet --no-notices --output \"$out\"" ${SF_DEPLOY_NPX} ${CMAKE_BINARY_DIR}
  WORKING_DIRECTORY ${SF_DEPLOY_DIR})
add_test(NAME deploy/assertions
  COMMAND sh -c "exec \"$0\" --import tsx --test test/*.test.ts" ${SF_DEPLOY_NODE}
  WORKING_DIRECTORY ${SF_DEPLOY_DIR})
add_test(NAME deploy/typecheck
  COMMAND ${SF_DEPLOY_NPX} --no-install tsc --noEmit -p tsconfig.json
  WORKING_DIRECTORY ${SF_DEPLOY_DIR})
add_test(NAME deploy/runtime-libs
  COMMAND ${CMAKE_SOURCE_DIR}/tests/deploy/runtime-libs.sh $<TARGET_FILE:storefront>
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(deploy/synth deploy/assertions deploy/typecheck deploy/runtime-libs
  PROPERTIES LABELS deploy ENVIRONMENT "${SF_DEPLOY_ENV}" TIMEOUT 180)

find_program(SF_PODMAN podman)
find_program(SF_MMDEBSTRAP mmdebstrap)
if(SF_PODMAN AND SF_MMDEBSTRAP)
  add_test(NAME deploy/image
    COMMAND ${CMAKE_SOURCE_DIR}/tests/deploy/image-test.sh
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  # A first build compiles the server inside the image (minutes on 2 cores); later runs
  # reuse podman's layer cache.
  set_tests_properties(deploy/image PROPERTIES LABELS "deploy;deploy-image" TIMEOUT 1200)
endif()
