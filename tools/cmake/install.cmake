# Install rules: the library, its headers under <prefix>/include/vecnn/, and a
# relocatable CMake package, so that a project outside this repository does
#   find_package(vecnn CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE vecnn::vecnn)
# With the tools built, the vecnn command line goes to <prefix>/bin too.
include(CMakePackageConfigHelpers)

set(VECNN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vecnn)

install(TARGETS vecnn EXPORT vecnnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(folder ${VECNN_HEADER_FOLDERS})
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.hpp ${PROJECT_SOURCE_DIR}/${folder}/*.inc)
  install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vecnn/${folder})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/vecnn.hpp ${VECNN_BUILD_INCLUDE}/vecnn/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vecnn)
if(TARGET vecnn_cli)
  install(TARGETS vecnn_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT vecnnTargets NAMESPACE vecnn:: DESTINATION ${VECNN_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/vecnnConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/vecnnConfig.cmake
                              INSTALL_DESTINATION ${VECNN_CMAKE_DIR})
# 0.x: a new minor version may change the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vecnnConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vecnnConfig.cmake ${PROJECT_BINARY_DIR}/vecnnConfigVersion.cmake
        DESTINATION ${VECNN_CMAKE_DIR})
