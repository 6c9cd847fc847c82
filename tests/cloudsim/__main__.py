from cloudsim.server import main

main()
